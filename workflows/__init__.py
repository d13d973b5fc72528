"""The case procedure as data; shipped in the wheel as package `tandem_workflows`."""
