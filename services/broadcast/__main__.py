from services.broadcast.app import Broadcast, create_app
from services.broadcast.config import LiveSettings
from shared.adapters.logs import configure_logging
from shared.adapters.settings import get_settings
from shared.adapters.web import serve

settings = get_settings()
live_settings = LiveSettings()
configure_logging(settings.log_level, settings.log_json)
app = create_app(settings, live_settings)
broadcast: Broadcast = app.state.broadcast
serve(app, settings.host, settings.broadcast_port,
      websocket=broadcast.websocket.protocol_class(), reuse_port=live_settings.reuse_port,
      on_shutdown=broadcast.sse.shutdown,
      # Client addresses (the caps per address) come from access.client_address, which
      # believes a forwarded address only from PODIUM_BROADCAST_TRUSTED_PROXIES.
      proxy_headers=False)
