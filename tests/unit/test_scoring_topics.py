"""When scoring's stored offsets cannot be trusted on the results topic as Kafka has it."""

import uuid

from services.scoring.topics import position_trouble

OLD, NEW = uuid.uuid4(), uuid.uuid4()
BEGINNING = {0: 0, 1: 0}
END = {0: 40, 1: 12}


def test_offsets_within_the_same_topic_are_trusted() -> None:
    assert position_trouble(OLD, OLD, {0: 40, 1: 3}, BEGINNING, END) is None
    assert position_trouble(OLD, OLD, {}, BEGINNING, END) is None


def test_offsets_from_before_topic_ids_were_recorded_are_trusted_within_range() -> None:
    assert position_trouble(None, NEW, {0: 7}, BEGINNING, END) is None


def test_a_topic_created_again_is_not_the_topic_the_offsets_belong_to() -> None:
    trouble = position_trouble(OLD, NEW, {0: 3}, BEGINNING, END)
    assert trouble == f"the topic was created again (topic id {OLD} is now {NEW})"


def test_offsets_outside_what_a_partition_holds_mean_lost_messages() -> None:
    assert position_trouble(OLD, OLD, {1: 13}, BEGINNING, END) == (
        "partition 1 ends at offset 12, before the stored offset 13: messages were lost")
    assert position_trouble(None, NEW, {0: 2}, {0: 5, 1: 0}, END) == (
        "partition 0 begins at offset 5, after the stored offset 2: messages were deleted"
        " unread")
