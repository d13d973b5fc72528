"""The simulated people of the procedure, one module per part; `weeks` runs them week by week."""
