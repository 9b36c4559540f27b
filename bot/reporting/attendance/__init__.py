"""Attendance from a video platform's report: reading, formats, minutes, names, and the summary."""
