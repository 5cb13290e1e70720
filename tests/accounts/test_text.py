from django.utils import translation

from accounts.text import join_list


def test_lists_join_with_the_separator_of_the_language():
    with translation.override("zh-hans"):
        assert join_list(["张三", "李四"]) == "张三、李四"
    with translation.override("en"):
        assert join_list(["Zhang San", "Li Si"]) == "Zhang San, Li Si"
    assert join_list([]) == ""
