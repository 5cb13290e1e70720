"""The page checks themselves: they must catch what they claim to catch."""
import pytest

from .checks import SCREENSHOTS, check_page, english_sources, inline_code, untranslated


def test_catalogue_source_strings_are_found_in_a_chinese_page():
    assert english_sources(), "the zh_Hans catalogues hold English source strings"
    assert untranslated(["沙河市课后服务平台", "Sign out", "我的孩子"]) == ["Sign out"]
    # A piece of a msgid with a placeholder counts too ("API tokens revoked: %(count)d.").
    assert "API tokens revoked" in untranslated(["API tokens revoked: 3"])


def test_chinese_text_and_data_pass():
    assert untranslated(["退出登录", "学号 S0012026030101", "沙河市第一实验小学 · 三年级（1）班", "API"]) == []


def test_runs_of_english_words_are_found_even_outside_the_catalogues():
    assert untranslated(["请 Please pick a club 选择"]) == ["Please pick a club"]
    assert untranslated(["Noto CJK 字体"]) == []  # two words: a name, not a sentence


def test_inline_code_the_csp_would_block_is_found():
    html = ('<script src="/static/js/app.js"></script><script type="application/json">{}</script>'
            '<p>one = two</p><a href="/x">x</a>')
    assert inline_code(html) == []
    assert inline_code('<script>alert(1)</script><div style="color:red"><button onclick="x()">') == [
        "<script>", '<div style="color:red">', '<button onclick="x()">',
    ]
    assert inline_code('<a href="javascript:void(0)">') == ['<a href="javascript:void(0)">']


@pytest.mark.browser
def test_check_page_fails_a_page_with_each_problem(make_page, site):
    page = make_page("phone", bypass_csp=True)  # the test's own inline style below
    page.goto("/accounts/login/")
    page.watcher.take()
    missing = site.url("/static/no-such-image.png")
    page.set_content(
        '<html lang="zh-hans"><head><title>测试</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
        '<main><h1>我的孩子</h1><p>Sign out</p><div class="wide"></div>'
        '<button class="small">好</button><img src="' + missing + '" alt="缺">'
        '<img src="https://cdn.example.invalid/logo.png" alt="标志"></main></body></html>'
    )
    page.add_style_tag(content=".wide { width: 600px; height: 10px; } .small { height: 30px; }")
    page.evaluate("() => console.error('boom')")
    with pytest.raises(AssertionError) as failure:
        check_page(page, "self-test-broken")
    message = str(failure.value)
    (SCREENSHOTS / "self-test-broken.phone.zh-hans.png").unlink()
    assert "horizontal scrollbar" in message
    assert "untranslated text in the Chinese page: ['Sign out']" in message
    assert "touch targets under 44px" in message and "small" in message
    assert "console error: boom" in message
    assert f"404 for image {missing}" in message
    assert "request outside the site: https://cdn.example.invalid/logo.png" in message
