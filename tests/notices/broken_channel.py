"""A channel whose provider is down (raises something no provider class knows)."""
from notices.channels import Channel


class DownSmsChannel(Channel):
    name = "sms"
    calls = 0

    def address(self, user):
        return user.phone or ""

    def send(self, delivery):
        type(self).calls += 1
        raise ConnectionResetError("provider down")
