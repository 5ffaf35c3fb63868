"""JAGGAER (J1P): connection settings, client, record formats, simulator."""
