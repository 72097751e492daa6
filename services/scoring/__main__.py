from services.scoring.app import create_app
from shared.logs import configure_logging
from shared.settings import get_settings
from shared.web import serve

settings = get_settings()
configure_logging(settings.log_level, settings.log_json)
serve(create_app(settings), settings.host, settings.scoring_port)
