"""The Channels side: a WebSocket joins group list_<id> and receives each todo as JSON."""

from channels.generic.websocket import AsyncWebsocketConsumer


class ListConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"list_{self.scope['url_route']['kwargs']['list_id']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def todo_event(self, event: dict) -> None:
        await self.send(text_data=event["text"])
