"""Words a practice card is described with, kept apart from :mod:`analysis.changes.cards` so the command line can
offer them without importing what renders a card (pandas, Altair: a second of CPU before every ``load``)."""

ORGANISATION_TYPES = ("district council", "county council", "unitary authority", "London borough",
                      "metropolitan borough", "other public body", "not stated")
