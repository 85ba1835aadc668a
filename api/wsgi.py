from api.app import create_app, log_startup

app = create_app()
log_startup(app)
