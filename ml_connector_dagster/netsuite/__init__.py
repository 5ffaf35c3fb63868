"""Oracle NetSuite: connection settings, authentication (M2M and TBA), client, record formats, simulator."""
