"""Letters 1 and 2 to families, in Dutch and French: templates, print batches, replies."""
