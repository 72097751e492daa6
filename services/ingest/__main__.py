from services.ingest.app import create_app
from shared.adapters.logs import configure_logging
from shared.adapters.settings import get_settings
from shared.adapters.web import serve

settings = get_settings()
configure_logging(settings.log_level, settings.log_json)
serve(create_app(settings), settings.host, settings.ingest_port)
