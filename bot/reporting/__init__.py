"""What organizers take away: statistics, charts, the report, exports and attendance import."""
