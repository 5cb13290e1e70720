"""The page checks themselves, without a browser: they must catch what they claim to catch."""
from .checks import english_sources, inline_code, untranslated


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
