"""Flask extensions, created unbound and attached in ``create_app``."""

from flask import request
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Blueprints with no rate limit (the labeling loop and the token API). The limiter skips them
#: outright instead of working out, on the busiest requests, that no limit applies.
UNLIMITED_BLUEPRINTS = frozenset({"annotator", "api"})


@limiter.request_filter
def _unlimited() -> bool:
    return request.blueprint in UNLIMITED_BLUEPRINTS
