import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from privacy.uploads import validate_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.mark.parametrize(("name", "content", "kinds"), [
    ("photo.png", PNG, ("image",)),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + b"0" * 32, ("image",)),
    ("claim.pdf", PDF, ("image", "pdf")),
    ("note.m4a", b"\x00\x00\x00\x20ftypM4A " + b"0" * 32, ("audio",)),
    ("note.wav", b"RIFF\x00\x00\x00\x00WAVEfmt " + b"0" * 32, ("audio",)),
])
def test_accepted_files(name, content, kinds):
    upload = SimpleUploadedFile(name, content)
    assert validate_upload(upload, kinds=kinds) is upload
    assert upload.tell() == 0


@pytest.mark.parametrize(("name", "content", "code"), [
    ("evil.html", b"<script>alert(1)</script>", "file_type"),
    ("evil.exe", b"MZ\x90\x00", "file_type"),
    ("fake.png", b"<html><script>alert(1)</script></html>", "file_content"),
    ("fake.pdf", b"MZ\x90\x00" + b"0" * 40, "file_content"),
    ("empty.png", b"", "file_empty"),
])
def test_refused_files(name, content, code):
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile(name, content), kinds=("image", "pdf"))
    assert exc.value.code == code


def test_size_limit_with_a_clear_message(settings):
    settings.MAX_UPLOAD_FILE_SIZE = 1024
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("big.png", PNG + b"0" * 2000), kinds=("image",))
    assert exc.value.code == "file_too_large"
    assert "1.0\xa0KB" in exc.value.messages[0] or "1.0 KB" in exc.value.messages[0]


def test_in_a_form_the_message_is_in_the_users_language():
    class EvidenceForm(forms.Form):
        evidence = forms.FileField()

        def clean_evidence(self):
            return validate_upload(self.cleaned_data["evidence"], kinds=("pdf",))

    with translation.override("zh-hans"):
        form = EvidenceForm(data={}, files={"evidence": SimpleUploadedFile("x.pdf", b"not a pdf at all")})
        assert not form.is_valid()
        assert "文件内容与类型不符" in form.errors["evidence"][0]
