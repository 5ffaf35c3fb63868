"""Oracle Fusion Cloud ERP: connection settings, client, record formats, simulator."""
