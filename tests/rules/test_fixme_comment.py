"""Edge cases of NOVA007 fixme-comment beyond the rule file's examples."""

from helpers import lines_of, run


def test_tag_beside_its_own_suppression_is_silenced_not_lost():
    code = "x = 1  # FIXME later  # nova-lsp: ignore[NOVA007]\n"
    analysis = run(code, select=["NOVA007", "NOVA901"])
    assert lines_of(analysis) == []  # the finding exists and is silenced, so no unused-suppression
    assert analysis.suppressed == 1


def test_todo_only_with_option_and_strings_never():
    code = 's = "FIXME in a string"\n# TODO(dev): later\n'
    assert lines_of(run(code, select="NOVA007")) == []
    assert lines_of(run(code, select="NOVA007", rules={"fixme-comment": {"include-todo": True}})) == [2]


def test_tag_must_be_a_whole_upper_case_word():
    code = "# prefixme and FIXMEs and xxx are not tags\n# XXX(dev): is\n"
    assert lines_of(run(code, select="NOVA007")) == [2]
