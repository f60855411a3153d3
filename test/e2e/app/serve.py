"""Serves the e2e JupyterLab frontend (build/) with Debian's jupyter_server and jupyterlab_server.

Usage: /usr/bin/python3 serve.py --ServerApp.port=PORT --ServerApp.token=TOKEN --ServerApp.root_dir=DIR
Environment: CONVLAB_E2E_LABEXTENSIONS  folder holding prebuilt extensions (<folder>/<package name>/package.json)
             CONVLAB_E2E_STATE          writable folder for user settings and workspaces

jupyter_server 1.23 predates two endpoints JupyterLab 4 calls at start-up: /api/me (the user's identity) and
/api/events/subscribe (the event bus). Without them the frontend logs errors and the user menu never resolves, so
this server adds minimal versions of both.
"""

import json
import os

from jupyter_server.base.handlers import APIHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")
STATE = os.environ.get("CONVLAB_E2E_STATE", os.path.join(HERE, "state"))
# Keep the machine's own Jupyter configuration out of the test.
os.environ["JUPYTER_NO_CONFIG"] = "1"


class MeHandler(APIHandler):
    @web.authenticated
    def get(self):
        self.finish(
            json.dumps(
                {
                    "identity": {
                        "username": "convlab",
                        "name": "convlab",
                        "display_name": "convlab",
                        "initials": "C",
                        "avatar_url": None,
                        "color": None,
                    },
                    "permissions": {},
                }
            )
        )


class EventsHandler(websocket.WebSocketHandler):
    """Accepts the event-bus socket and stays silent: this server emits no events."""

    def check_origin(self, origin):
        return True

    def on_message(self, message):
        pass


class E2ELab(LabServerApp):
    name = "lab"
    load_other_extensions = False
    app_name = "convlab e2e JupyterLab"
    app_version = "4"
    static_dir = BUILD
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    templates_dir = os.path.join(HERE, "templates")
    app_settings_dir = os.path.join(STATE, "app_settings")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    def initialize_settings(self):
        self.labextensions_path = [os.environ["CONVLAB_E2E_LABEXTENSIONS"]]
        super().initialize_settings()

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.append(("/api/me", MeHandler))
        self.handlers.append(("/api/events/subscribe", EventsHandler))


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": E2ELab}]


if __name__ == "__main__":
    E2ELab.launch_instance()
