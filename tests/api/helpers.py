"""Small helpers of the API tests: uploads, problem checks, a walk over JSON for empty values."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.integration_fixtures import PDF

PROBLEM = "application/problem+json"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def pdf(name="bescheid.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def assert_problem(response, status, code=None):
    """The response is an RFC 9457 problem with this status (and problem type code); returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["title"] and body["detail"]
    if code:
        assert body["type"] == f"urn:gemeindeportal:problem:{code}"
    return body


def empty_values(value, path="$"):
    """Paths of every empty string, None or empty container inside a JSON value."""
    found = []
    if value in ("", None) or value in ({}, []):
        return [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += empty_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += empty_values(item, f"{path}[{index}]")
    return found


def download(client, href):
    response = client.get(href)
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)
