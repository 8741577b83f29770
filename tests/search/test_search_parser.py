"""The search grammar: conditions, precedence, quoting, sort, page, prefix and errors."""

import pytest

from engine_api.search.parser import (
    MAX_NESTING,
    And,
    Condition,
    FreeText,
    Or,
    Query,
    SearchSyntaxError,
    SortKey,
    parse_search,
)


def cond(field, operator, value, quoted=False):
    return Condition(field, operator, value, quoted)


class TestConditions:
    def test_empty_search(self):
        assert parse_search("") == Query()
        assert parse_search("   ") == Query()

    @pytest.mark.parametrize("operator", ["=", "!=", "<", ">", "<=", ">="])
    def test_every_operator(self, operator):
        assert parse_search(f"memory{operator}1024").condition == cond("memory", operator, "1024")

    def test_spaces_around_the_operator(self):
        assert parse_search("name = web01").condition == cond("name", "=", "web01")
        assert parse_search("memory  >=\t1").condition == cond("memory", ">=", "1")

    def test_cross_object_field(self):
        node = parse_search("host.name=h1").condition
        assert node == cond("host.name", "=", "h1")
        assert node.object == "host" and node.name == "name"
        assert parse_search("name=x").condition.object is None

    def test_case_of_field_names_is_kept(self):
        assert parse_search("Clusters.name=Default").condition.field == "Clusters.name"

    def test_values_keep_dots_colons_and_dashes(self):
        assert parse_search("address=10.0.0.1").condition.value == "10.0.0.1"
        assert parse_search("mac=00:1a:4a:16:01:51").condition.value == "00:1a:4a:16:01:51"
        assert parse_search("creationdate>2024-01-31").condition.value == "2024-01-31"
        assert parse_search("name=vm-01_a%").condition.value == "vm-01_a%"

    def test_wildcards(self):
        node = parse_search("name=my*").condition
        assert node.value == "my*" and node.has_wildcard
        assert not parse_search("name=my").condition.has_wildcard

    def test_quoted_values(self):
        assert parse_search('name="my vm"').condition == cond("name", "=", "my vm", True)
        assert parse_search('name="a=b (c) !x"').condition.value == "a=b (c) !x"
        assert parse_search('name=""').condition == cond("name", "=", "", True)

    def test_quoted_escapes(self):
        assert parse_search(r'name="say \"hi\""').condition.value == 'say "hi"'
        assert parse_search(r'name="back\\slash"').condition.value == "back\\slash"
        assert parse_search(r'name="C:\path"').condition.value == "C:\\path"

    def test_keywords_are_values_after_an_operator(self):
        node = parse_search("name=and or description=sortby").condition
        assert node == Or((cond("name", "=", "and"), cond("description", "=", "sortby")))


class TestBooleanStructure:
    def test_adjacent_conditions_are_anded(self):
        assert parse_search("name=a status=up").condition == And(
            (cond("name", "=", "a"), cond("status", "=", "up"))
        )

    @pytest.mark.parametrize("keyword", ["and", "AND", "And"])
    def test_explicit_and(self, keyword):
        assert parse_search(f"name=a {keyword} status=up").condition == And(
            (cond("name", "=", "a"), cond("status", "=", "up"))
        )

    def test_and_binds_tighter_than_or(self):
        a, b, c = cond("a", "=", "1"), cond("b", "=", "2"), cond("c", "=", "3")
        assert parse_search("a=1 or b=2 and c=3").condition == Or((a, And((b, c))))
        assert parse_search("a=1 and b=2 OR c=3").condition == Or((And((a, b)), c))
        assert parse_search("a=1 b=2 or c=3").condition == Or((And((a, b)), c))

    def test_parentheses_override_precedence(self):
        a, b, c = cond("a", "=", "1"), cond("b", "=", "2"), cond("c", "=", "3")
        assert parse_search("(a=1 or b=2) and c=3").condition == And((Or((a, b)), c))
        assert parse_search("a=1 (b=2 or c=3)").condition == And((a, Or((b, c))))
        assert parse_search("((a=1))").condition == a

    def test_or_chains_are_flat(self):
        node = parse_search("a=1 or a=2 or a=3").condition
        assert isinstance(node, Or) and len(node.operands) == 3

    def test_nesting_limit(self):
        deep = "(" * MAX_NESTING + "a=1" + ")" * MAX_NESTING
        assert parse_search(deep).condition == cond("a", "=", "1")
        with pytest.raises(SearchSyntaxError, match="nested"):
            parse_search("(" + deep + ")")


class TestFreeText:
    def test_bare_words(self):
        assert parse_search("web").condition == FreeText("web")
        assert parse_search("web db").condition == And((FreeText("web"), FreeText("db")))

    def test_quoted_free_text(self):
        assert parse_search('"my vm"').condition == FreeText("my vm", quoted=True)

    def test_mixed_with_conditions(self):
        assert parse_search("web* status=up").condition == And(
            (FreeText("web*"), cond("status", "=", "up"))
        )

    def test_asc_and_desc_are_ordinary_words_in_conditions(self):
        assert parse_search("desc").condition == FreeText("desc")


class TestSortAndPage:
    def test_sortby(self):
        assert parse_search("sortby name").sort == [SortKey("name", "asc")]
        assert parse_search("status=up sortby memory desc").sort == [SortKey("memory", "desc")]
        assert parse_search("SORTBY Name ASC").sort == [SortKey("Name", "asc")]
        assert parse_search("sortby host.name desc").sort[0].descending

    def test_page(self):
        query = parse_search("name=a* sortby name page 3")
        assert query.page == 3
        assert query.condition == cond("name", "=", "a*")
        assert parse_search("PAGE 1").page == 1
        assert parse_search("").page is None

    @pytest.mark.parametrize(
        "text",
        ["page", "page 0", "page -1", "page x", "page 1.5", "page 99999999999999999999",
         "page 2 sortby name", "sortby", "sortby name up", "sortby name asc desc",
         "sortby and", "sortby 1abc", "page 1 page 2", "sortby a sortby b", "page ١"],
    )
    def test_bad_sort_and_page(self, text):
        with pytest.raises(SearchSyntaxError):
            parse_search(text)


class TestSubjectPrefix:
    def test_prefix_is_stripped_and_kept(self):
        query = parse_search("Vms: name=x")
        assert query.subject == "Vms"
        assert query.condition == cond("name", "=", "x")

    def test_prefix_alone_and_without_space(self):
        assert parse_search("Vms:") == Query(subject="Vms")
        assert parse_search("hosts :status=up").subject == "hosts"

    def test_no_prefix(self):
        assert parse_search("name=x").subject is None

    def test_known_subjects_tell_a_prefix_from_free_text(self):
        assert parse_search("web:8080").subject == "web"
        query = parse_search("web:8080", subjects=["Vms"])
        assert query.subject is None
        assert query.condition == FreeText("web:8080")
        assert parse_search("vms: web", subjects=["Vms"]) == Query(FreeText("web"), subject="vms")

    def test_colons_in_values_are_not_a_prefix(self):
        query = parse_search("mac=00:1a:4a:16:01:51")
        assert query.subject is None


class TestErrors:
    @pytest.mark.parametrize(
        "text",
        [
            "name=",
            "name=x and",
            "and name=x",
            "or",
            "name=x or or name=y",
            "(name=x",
            "name=x)",
            "()",
            "name==x",
            "name=x=y",
            "name<>x",
            "name!x",
            "!name",
            '"name"=x',
            'name="unterminated',
            "1abc=x",
            "a.b.c=x",
            "=x",
            "name=x\x00",
            "name=\x07",
            "name=\ud800",
        ],
    )
    def test_invalid_searches(self, text):
        with pytest.raises(SearchSyntaxError):
            parse_search(text)

    def test_error_is_a_value_error_with_a_position(self):
        with pytest.raises(ValueError) as caught:
            parse_search("name=x )")
        assert isinstance(caught.value, SearchSyntaxError)
        assert caught.value.position == 7
        assert "position 7" in str(caught.value)

    def test_overlong_search(self):
        with pytest.raises(SearchSyntaxError, match="longer"):
            parse_search("a" * 70000)

    def test_non_string_is_a_type_error(self):
        with pytest.raises(TypeError):
            parse_search(None)  # type: ignore[arg-type]
