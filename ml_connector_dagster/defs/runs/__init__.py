"""Runs that recover by themselves: every run names the process that executes it, and a run whose process
is gone is failed and its pool slots freed, by the next `ml-connector sync` and by a sensor."""
