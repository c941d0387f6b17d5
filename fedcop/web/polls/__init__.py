"""Polls on the web: the poll fields of the "Start a thread" form (form.py), and voting on a
thread's page (POST /t/{id}/vote, actions.py); the poll as the page shows it is
templates/polls/poll.html."""
