"""Cases: the joint cell's procedure for one child in one school year, driven by workflows/."""
