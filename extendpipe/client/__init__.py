"""The Extend API client: urllib3 transport and the workflow-run calls."""

from extendpipe.client.api import ExtendClient
from extendpipe.client.transport import TransportConfig

__all__ = ["ExtendClient", "TransportConfig"]
