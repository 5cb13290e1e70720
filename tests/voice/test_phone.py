"""A parent answers a questionnaire on a phone-sized screen (375 px) in headless Chromium."""
import os

import pytest

from tests.factories import PASSWORD
from voice.models import SurveyResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop; only for this test (never leaks to other tests).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True,
                                      has_touch=True)
        yield context.new_page()
        browser.close()


def test_parent_answers_at_375px(live_server, browser_page, voice_world):
    from voice import services
    from voice.models import Question

    w = voice_world
    q = services.questionnaire_create(author=w.principal, title="课后服务调查", per="child",
                                      rules=[services.Rule("class", (w.class_a.pk,))])
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.SINGLE, text="时段",
                          choices=["午间", "课后"])
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.RATING, text="总体满意度")
    services.questionnaire_open(user=w.principal, questionnaire=q)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", w.parent_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/voice/questionnaires/{q.pk}/answer/")
    # Nothing wider than the screen; the submit button is a comfortable touch target.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    submit = page.locator("[data-testid=answer-form] button[type=submit]")
    box = submit.bounding_box()
    assert box["height"] >= 44 and box["width"] <= 375
    if os.environ.get("VOICE_SCREENSHOT"):
        page.screenshot(path=os.environ["VOICE_SCREENSHOT"] + ".form.png", full_page=True)
    for choice in page.locator(".voice-answer .form-check").all():
        assert choice.bounding_box()["height"] >= 44
    page.get_by_label("课后").check()
    page.get_by_label("4 · 满意").check()
    submit.click()
    page.wait_for_load_state()
    assert "谢谢" in page.content()
    if os.environ.get("VOICE_SCREENSHOT"):
        page.screenshot(path=os.environ["VOICE_SCREENSHOT"], full_page=True)
    assert SurveyResponse.objects.filter(questionnaire=q).count() == 1


def test_bureau_reads_results_on_a_desktop_screen(live_server, browser_page, voice_world):
    from voice import services

    w = voice_world
    survey = services.term_survey_launch(user=w.bureau, term=w.term)
    codes = {q.code: q.pk for q in survey.questions.all()}
    for parent, child, rating in ((w.parent_a, w.child_a, 5), (w.other_parent, w.child_a2, 4),
                                  (w.parent_b, w.child_b, 3)):
        answers = {pk: rating for code, pk in codes.items() if code != "suggestions"}
        services.survey_answer(user=parent, questionnaire=survey, answers=answers, student=child)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", w.bureau.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/voice/questionnaires/{survey.pk}/results/")
    schools = page.locator("[data-testid=schools] tbody tr")
    assert schools.count() == 2
    assert "87.5" in schools.nth(0).inner_text() or "87.5" in schools.nth(1).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    if os.environ.get("VOICE_SCREENSHOT"):
        page.screenshot(path=os.environ["VOICE_SCREENSHOT"] + ".results.png", full_page=True)
