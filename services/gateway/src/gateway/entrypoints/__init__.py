"""The edges of the gateway: the broker consumer loop and the Socket.IO handlers."""
