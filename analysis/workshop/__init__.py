"""The Workshop: sessions and their agendas of saved views, notes, actions, presentation and the pack."""
