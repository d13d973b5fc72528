"""The letter templates and their manifest; shipped in the wheel as package `tandem_letters`."""
