"""Realtime TODO gateway: Socket.IO on eventlet, pushing store events to browsers."""
