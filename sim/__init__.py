"""The simulation around Tandem: a synthetic school year, the simulated people of the procedure,
and the demo that runs the main job on them.

`sim` imports `service`; `service` never imports `sim`. Its commands (`tandem generate`,
`tandem demo`) reach the `tandem` command through the `tandem.commands` entry point.
"""
