"""The follow= link tree: parsing, merging, spellings, limits, marking and traversal."""

import pytest

from follow.tree import FollowSyntaxError, LinkNode, normalize_link_name, parse_follow


def paths(root: LinkNode) -> list[str]:
    return [node.path for node in root]


class TestParsing:
    def test_single_link(self):
        root = parse_follow("nics")
        assert root.is_root
        assert [n.name for n in root.children] == ["nics"]
        assert root.children[0].parent is root
        assert root.children[0].children == ()

    def test_dots_nest(self):
        root = parse_follow("disk_attachments.disk.storage_domains")
        assert paths(root) == [
            "disk_attachments",
            "disk_attachments.disk",
            "disk_attachments.disk.storage_domains",
        ]
        leaf = root.find("disk_attachments.disk.storage_domains")
        assert leaf is not None
        assert leaf.depth == 3
        assert leaf.parent is root.find("disk_attachments.disk")
        assert leaf.root is root

    def test_commas_separate_and_prefixes_merge(self):
        root = parse_follow("disk_attachments.disk,nics,disk_attachments.template")
        assert [n.name for n in root.children] == ["disk_attachments", "nics"]
        attachments = root.child("disk_attachments")
        assert [n.name for n in attachments.children] == ["disk", "template"]
        assert root.node_count() == 4

    def test_prefixes_merge_across_spellings(self):
        root = parse_follow("disk_attachments.disk,diskattachments.template")
        assert len(root.children) == 1
        merged = root.children[0]
        assert merged.name == "disk_attachments"  # the first spelling written is kept
        assert [n.name for n in merged.children] == ["disk", "template"]

    def test_names_are_lowercased_and_keys_normalized(self):
        root = parse_follow("Disk_Attachments.DISK")
        node = root.find("disk_attachments.disk")
        assert node.name == "disk"
        assert node.parent.name == "disk_attachments"
        assert node.parent.key == "diskattachments"
        assert node.path == "disk_attachments.disk"
        assert node.key_path == "diskattachments.disk"

    def test_whitespace_is_trimmed(self):
        root = parse_follow("  nics . statistics ,\tdisk_attachments \n")
        assert paths(root) == ["nics", "disk_attachments", "nics.statistics"]

    @pytest.mark.parametrize("text", [None, "", ",", " , , ", ".", "..,."])
    def test_empty_values_give_an_empty_tree(self, text):
        root = parse_follow(text)
        assert root.children == ()
        assert list(root) == []
        assert root.node_count() == 0

    def test_empty_segments_are_ignored(self):
        root = parse_follow(".nics..statistics.,")
        assert paths(root) == ["nics", "nics.statistics"]

    def test_duplicate_paths_collapse(self):
        root = parse_follow("nics,nics,NICS")
        assert root.node_count() == 1

    @pytest.mark.parametrize(
        "text, offending",
        [
            ("nics,disk-attachments", "disk-attachments"),
            ("nics.stat istics", "nics.stat istics"),
            ("vms/123", "vms/123"),
            ("nics.statistics;max=1", "nics.statistics;max=1"),
            ("héllo", "héllo"),
            ("nics.__", "nics.__"),
        ],
    )
    def test_bad_characters_raise_naming_the_path(self, text, offending):
        with pytest.raises(FollowSyntaxError) as caught:
            parse_follow(text)
        assert caught.value.path == offending
        assert repr(offending) in str(caught.value)

    def test_syntax_error_is_a_value_error(self):
        assert issubclass(FollowSyntaxError, ValueError)

    def test_depth_limit(self):
        assert parse_follow("a.b.c.d.e").find("a.b.c.d.e").depth == 5
        with pytest.raises(FollowSyntaxError) as caught:
            parse_follow("nics,a.b.c.d.e.f")
        assert caught.value.path == "a.b.c.d.e.f"
        assert "a.b.c.d.e.f" in str(caught.value)

    def test_depth_limit_is_configurable(self):
        with pytest.raises(FollowSyntaxError):
            parse_follow("a.b", max_depth=1)
        assert parse_follow("a.b.c.d.e.f.g", max_depth=7).node_count() == 7

    def test_node_limit(self):
        text = ",".join(f"link{i}" for i in range(100))
        assert parse_follow(text).node_count() == 100
        with pytest.raises(FollowSyntaxError) as caught:
            parse_follow(text + ",one.more")
        assert caught.value.path == "one.more"

    def test_node_limit_counts_merged_nodes_once(self):
        root = parse_follow("a.b,a.c,a.b,A.B", max_nodes=3)
        assert root.node_count() == 3
        with pytest.raises(FollowSyntaxError):
            parse_follow("a.b,a.c,a.d", max_nodes=3)


class TestLookup:
    def test_child_accepts_both_spellings(self):
        root = parse_follow("disk_attachments")
        assert root.child("diskattachments") is root.children[0]
        assert root.child("disk_attachments") is root.children[0]
        assert root.child("Disk_Attachments") is root.children[0]
        assert root.child("disks") is None

    def test_rel_spelling_written_is_found_by_attribute_spelling(self):
        root = parse_follow("diskattachments.disk")
        assert root.find("disk_attachments.disk") is root.find("diskattachments.disk")
        assert root.find("disk_attachments.disk").path == "diskattachments.disk"

    def test_find_missing_and_empty(self):
        root = parse_follow("nics.statistics")
        assert root.find("nics.reported_devices") is None
        assert root.find("host") is None
        assert root.find("") is root

    def test_normalize_link_name(self):
        assert normalize_link_name("Disk_Attachments") == "diskattachments"
        assert normalize_link_name(" vnic_profile ") == "vnicprofile"
        assert normalize_link_name("diskattachments") == normalize_link_name("disk_attachments")


class TestTraversal:
    def test_iteration_is_breadth_first(self):
        root = parse_follow("a.b.c,d.e,a.f")
        assert paths(root) == ["a", "d", "a.b", "a.f", "d.e", "a.b.c"]

    def test_levels(self):
        root = parse_follow("a.b.c,d.e,a.f")
        assert [[n.path for n in level] for level in root.levels()] == [
            ["a", "d"],
            ["a.b", "a.f", "d.e"],
            ["a.b.c"],
        ]

    def test_leaf_paths(self):
        root = parse_follow("a.b.c,d,a.f")
        assert root.paths() == ["a.b.c", "a.f", "d"]

    def test_subtree_iteration(self):
        root = parse_follow("a.b.c,a.d")
        assert [n.path for n in root.child("a")] == ["a.b", "a.d", "a.b.c"]


class TestMarking:
    def test_mark_followed_marks_every_node_on_the_path(self):
        root = parse_follow("disk_attachments.disk,nics")
        assert root.mark_followed("disk_attachments.disk") is True
        assert root.find("disk_attachments").followed
        assert root.find("disk_attachments.disk").followed
        assert not root.find("nics").followed
        assert root.is_followed("disk_attachments")
        assert root.is_followed("disk_attachments.disk")
        assert not root.is_followed("nics")

    def test_marking_a_prefix_leaves_children_unfollowed(self):
        root = parse_follow("disk_attachments.disk")
        root.mark_followed("disk_attachments")
        assert root.is_followed("disk_attachments")
        assert not root.is_followed("disk_attachments.disk")
        assert root.unfollowed() == [root.find("disk_attachments.disk")]

    @pytest.mark.parametrize(
        "written, marked",
        [
            ("disk_attachments.disk", "diskattachments.disk"),
            ("diskattachments.disk", "disk_attachments.disk"),
            ("Disk_Attachments.Disk", "DISKATTACHMENTS.disk"),
        ],
    )
    def test_marking_normalizes_spellings(self, written, marked):
        root = parse_follow(written)
        assert root.mark_followed(marked)
        assert root.is_followed(written)
        assert root.is_followed(marked)

    @pytest.mark.parametrize("path", ["host", "disk_attachments.template", "", "nics.disk.x"])
    def test_unknown_paths_are_a_no_op(self, path):
        root = parse_follow("disk_attachments.disk,nics")
        assert root.mark_followed(path) is False
        assert [n for n in root if n.followed] == []
        assert root.is_followed(path) is False

    def test_is_followed_of_unknown_path_is_false(self):
        root = parse_follow("nics")
        root.mark_followed("nics")
        assert root.is_followed("nics.statistics") is False

    def test_marking_from_a_node_is_relative(self):
        root = parse_follow("disk_attachments.disk")
        attachments = root.child("disk_attachments")
        assert attachments.mark_followed("disk")
        assert root.is_followed("disk_attachments.disk")
