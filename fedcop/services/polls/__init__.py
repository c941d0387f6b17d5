"""Polls: a thread can carry one, written here or received as a Question.

drafts       what a writer asks for (options, duration, one or several choices, hidden
             totals), checked against the limits the client API advertises
writing      the poll of a thread written here (services.posts.write calls it)
voting       a vote here (on any poll: a poll elsewhere is sent the vote Note), and a vote
             Note received for a poll written here: counted, or refused with why
received     a Question's poll from elsewhere, kept with its post, and its counts from its
             author's Updates
wire         the poll's properties added to the thread's documents (served and sent)
upkeep       driven by the inbox worker after each batch: the Update carrying new counts
             (at most one a minute per poll) and the end of polls (final counts, voters told)
views        a poll as a person sees it: counts (unless hidden), their choices, ended
"""
