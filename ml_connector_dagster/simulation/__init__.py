"""Plumbing shared by the simulators: a loopback server runner, fault injection, token issuing."""
