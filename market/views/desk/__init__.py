"""The bureau's desk: history, targets, forecasts, scheme design, and the banks' view."""
