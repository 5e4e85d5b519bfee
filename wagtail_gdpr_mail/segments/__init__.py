"""Segments: rules over contacts turned into one query, snapshots, bulk assign and revoke."""
