"""Company-name normalisation: the spellings staff use for one company compare equal."""

import pytest

from hub.names import normalise_company_name, normalise_person_name


@pytest.mark.parametrize(
    "spelling",
    [
        "Dangote Industries Ltd.",
        "DANGOTE INDUSTRIES LIMITED",
        "Dangote Industries (Nig) Ltd",
        "Dangote Industries Nig. Ltd",
        "The Dangote Industries Plc",
        "  dangote   industries  nigeria limited ",
        "Dangote Industries Co. Ltd",
    ],
)
def test_legal_forms_punctuation_and_case_do_not_matter(spelling):
    """Company names that differ only in legal form, punctuation or case normalise to the same key."""
    assert normalise_company_name(spelling) == "dangote industries"


def test_ampersand_is_and():
    """Company names with "&" and with "and" are the same."""
    assert normalise_company_name("Okonkwo & Sons Ltd") == normalise_company_name("Okonkwo and Sons Limited")


def test_accents_are_ignored():
    """Accented letters in company names match their plain forms."""
    assert normalise_company_name("Société Générale Nigeria") == "societe generale"


def test_a_name_made_only_of_legal_words_is_kept():
    """A name made only of legal words is kept rather than normalised to nothing."""
    assert normalise_company_name("The Company Ltd") == "company ltd"


def test_legal_words_inside_a_name_stay():
    """Only suffixes go: 'Group' in the middle of a name is part of the name."""
    assert normalise_company_name("Group Therapy Clinic Ltd") == "group therapy clinic"


def test_person_names_ignore_case_and_punctuation():
    """Person names match regardless of case, apostrophes, hyphens and double spaces."""
    assert normalise_person_name("Ngozi  O'Neil-Eze") == normalise_person_name("ngozi o neil eze")


@pytest.mark.parametrize("placeholder", ["-", "N/A", "nil", " NULL ", "--"])
def test_placeholders_are_no_name(placeholder):
    """A placeholder normalises to blank, so two 'N/A' companies never look alike."""
    assert normalise_company_name(placeholder) == ""
