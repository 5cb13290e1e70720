import io
import logging

import pytest
from django.db import connection

from shahe_afterschool.logs import JsonFormatter, RequestContextFilter


def scratch_database(suffix: str) -> str:
    """A database name of our own next to the test database: shahe_ops -> shahe_ops_<suffix>."""
    name = connection.settings_dict["NAME"]
    return f"{name.removeprefix('test_')}_{suffix}"


@pytest.fixture
def json_log():
    """`json_log("logger.name")` returns a StringIO that receives that logger's records as our JSON
    lines (pytest runs with -p no:logging, so caplog is not available)."""
    attached = []

    def attach(name: str) -> io.StringIO:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestContextFilter())
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        attached.append((logger, handler, logger.level))
        logger.setLevel(logging.DEBUG)
        return stream

    yield attach
    for logger, handler, level in attached:
        logger.removeHandler(handler)
        logger.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict]:
    import json

    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
