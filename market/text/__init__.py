"""Text that presents library results and reference lists to readers."""
