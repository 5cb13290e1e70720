"""Oversized requests get a clear 400/413, never a 500."""
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_limits_are_set():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 1000
    assert settings.MAX_REQUEST_BODY_SIZE <= 20 * 1024 * 1024
    assert "privacy.middleware.RequestSizeLimitMiddleware" in settings.MIDDLEWARE


def test_oversized_form_post_is_400(client):
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": big})
    assert response.status_code == 400


def test_too_many_fields_is_400(world, client):
    client.force_login(world.parent_a)
    data = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5)}
    response = client.post(reverse("privacy:correction_new", args=[world.child_a.pk]), data)
    assert response.status_code == 400


def test_body_over_the_cap_is_413_with_a_message(world, client):
    client.force_login(world.parent_a)
    upload = SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * settings.MAX_REQUEST_BODY_SIZE,
                                content_type="application/pdf")
    response = client.post(reverse("privacy:correction_new", args=[world.child_a.pk]),
                           {"text": "见附件", "file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert b"too large" in response.content


def test_oversized_json_to_the_api_is_4xx(world, api):
    client = api.as_user(world.parent_a)
    body = json.dumps({"username": "x", "password": "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = client.post(reverse("api:token"), body, content_type="application/json")
    assert response.status_code in (400, 413)


def test_huge_api_body_is_413(world, api):
    client = api.as_user(world.parent_a)
    body = "x" * (settings.MAX_REQUEST_BODY_SIZE + 1)
    response = client.post(reverse("api:token"), body, content_type="application/json")
    assert response.status_code == 413


def test_malformed_content_length_is_400(client):
    response = client.generic("POST", reverse("accounts:login"), b"", CONTENT_LENGTH="abc")
    assert response.status_code == 400
