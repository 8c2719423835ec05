"""The shipped codebook is true to its sources: every theme and subtheme of Kjeldmand &
Holmström 2008 (Ann Fam Med, Table 2) and every category of Kjeldmand & Holmström 2010
(Br J Gen Pract, Box 1) has a code under the right theme, and every code that is not one of
them, or merges several, says so in its definition ("Departure from the paper")."""

from __future__ import annotations

from qualcode.codebook import CodeSpec, load_codebook
from qualcode.resources import default_codebook

DEPARTURE = "Departure from the paper"

# Table 2 (2008): theme -> {subtheme as printed: code label}
TABLE_2 = {
    "Competence in the doctor-patient encounter": {
        "Naming, tracing, and handling difficult emotions": "Naming and handling difficult emotions",
        "Knowing oneself": "Knowing oneself",
        "Preparing oneself for difficult encounters": "Preparing for difficult encounters",
        "Understanding mechanisms of bad encounters": "Understanding bad encounters",
        "Viewing the patient as a whole person in a biopsychosocial coherence": (
            "Seeing the whole person"
        ),
        "Understanding why patients seek health care": "Why patients seek care",
        "Being proactive in consultations": "Being proactive",
    },
    "Professional identity recognised in the group": {
        "Recognizing difficult encounters as a special and challenging task as a general "
        "practitioner": "Difficult encounters as a core GP task",
        "Learning the limits of one's abilities and obligations": (
            "Limits of abilities and obligations"
        ),
        "Understanding patient-centeredness as a prerequisite of being a general practitioner": (
            "Patient-centredness"
        ),
        "Having a shared working condition, showing tolerance toward colleagues": (
            "Shared conditions and tolerance of colleagues"
        ),
        "Mirroring oneself in others' stories leading to increased understanding of the tasks "
        "of a general practitioner": "Mirroring oneself in others' stories",
    },
    "Sense of security in the group": {
        "Long relationship with the other group members": "Long relationships in the group",
        "Weaknesses and mishaps are tolerated": "Weaknesses and mishaps tolerated",
        "Permissiveness, openness, and sincerity in the group": "Openness and sincerity",
        "Confidentiality, frames, and firm structure": "Confidentiality and firm structure",
        "Feeling of not being alone even between group meetings": "Not alone between meetings",
        "Long experience leads to feeling of security": "Long experience gives security",
    },
    "Parallel process": {
        "Long relationship with both patients and group": (
            "Long relationship with patients and group"
        ),
        "Learning to listen patiently to narratives of discomfort": (
            "Listening patiently to narratives of discomfort"
        ),
        "Acknowledging changes over time in both group and patients": (
            "Changes over time in group and patient"
        ),
        "Changing one's behavior permanently takes time": "Lasting change takes time",
    },
    "Endurance and satisfaction": {
        "Having good times together, breathing space": "Breathing space together",
        "Balint group enhances satisfaction with work": "Job satisfaction",
        "Balint group counteracts burnout": "Preventing burnout",
        "Together recognizing the good sides of work": "Recognising the good sides of work together",
    },
}

# Box 1 (2010): theme -> {category: code label}
BOX_1 = {
    "Difficulties with the individual member": {
        "Approval of method": "Not approving of the method",
        "Needs": "Member's needs",
        "Mental health": "Mental health of the member",
        "Empathising capability": "Empathising capability",
        "Vulnerability": "Vulnerability",
        "Family": "Background and life circumstances",
        "Abode": "Background and life circumstances",
        "Sex": "Background and life circumstances",
        "Cultural background": "Background and life circumstances",
        "Specialty": "Background and life circumstances",
        "Workload": "Workload and lack of time",
        "Time": "Workload and lack of time",
    },
    "Difficulties in the group and with the leader": {
        "Secrecy": "Secrecy",
        "Frames": "Broken frames",
        "Change of leader": "Change of leader",
        "Dual relations": "Dual relations",
        "Rivalry": "Rivalry",
        "Interventions": "Leader interventions",
        "Antipathy": "Antipathy",
        "Hidden agendas": "Hidden agendas",
        "Scapegoat": "Scapegoating",
    },
    "Difficulties from the surroundings": {
        "Economy": "Economy and funding",
        "Acceptance": "Acceptance by employers and colleagues",
        "Healthcare paradigm": "Healthcare paradigm",
        "Obligatory": "Obligatory participation",
    },
}


def _themes() -> dict[str, CodeSpec]:
    return {theme.label: theme for theme in load_codebook(default_codebook()).themes}


def test_every_theme_subtheme_and_category_has_its_code() -> None:
    themes = _themes()
    assert list(themes) == [*TABLE_2, *BOX_1]
    for table in (TABLE_2, BOX_1):
        for theme, mapping in table.items():
            children = {c.label for c in themes[theme].codes}
            missing = sorted(set(mapping.values()) - children)
            assert missing == [], (theme, missing)


def test_every_departure_is_stated() -> None:
    themes = _themes()
    for table in (TABLE_2, BOX_1):
        for theme, mapping in table.items():
            counts: dict[str, int] = {}
            for code in mapping.values():
                counts[code] = counts.get(code, 0) + 1
            for child in themes[theme].codes:
                merged = counts.get(child.label, 0) > 1
                added = child.label not in counts
                if merged or added:
                    assert DEPARTURE in child.definition, child.label
                else:
                    assert DEPARTURE not in child.definition, child.label


def test_labels_say_what_is_coded_and_definitions_do_not_overlap() -> None:
    themes = _themes()
    individual = {c.label: c for c in themes["Difficulties with the individual member"].codes}
    assert "Approval of the method" not in individual  # it coded the absence of approval
    parallel = {c.label: c for c in themes["Parallel process"].codes}
    listening = parallel["Listening patiently to narratives of discomfort"]
    assert "re-enact" not in listening.when_to_use  # re-enactment is the theme itself
    assert "re-enact" in themes["Parallel process"].definition


def test_the_description_states_how_labels_follow_the_papers() -> None:
    book = load_codebook(default_codebook())
    assert "Table 2" in book.description and "Box 1" in book.description
    assert DEPARTURE in book.description
    assert "apply to either kind of speaker" in book.description
