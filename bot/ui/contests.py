"""How contests read on Discord: the rules post, /contest show and list, the results, the notices.

Pure functions from the engine's dataclasses to text and embeds; nothing here talks to Discord.
Times are Discord timestamps, so each reader sees them in their own time zone.
"""

from __future__ import annotations

from datetime import datetime

import discord

from ..contests import Cancelled, Contest, ContestResults, ContestView, Entry, EntryStatus, Phase
from ..contests.payout import ordinal
from ..errors import clip

COLOUR = discord.Colour.gold()
TOP_SHOWN = 10  # standings listed in the results post
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def stamp(moment: datetime, style: str = "f") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def marker(contest_id: int, what: str) -> str:
    """The footer that lets the bot recognise its own contest posts (one post per ``what``)."""
    return f"contest {contest_id} · {what}"


def phase_text(contest: Contest, now: datetime) -> str:
    """Where the contest stands, and how long the current phase has left."""
    if contest.phase is Phase.ENTRIES:
        if now >= contest.entries_close_at:
            return "📥 Entries closed: voting opens in a moment"
        return f"📥 Taking entries: closes {stamp(contest.entries_close_at, 'R')}"
    if contest.phase is Phase.VOTING:
        if now >= contest.votes_close_at:
            return "🗳️ Voting closed: results in a moment"
        return f"🗳️ Voting: closes {stamp(contest.votes_close_at, 'R')}"
    if contest.phase is Phase.CLOSED:
        return "🏁 Finished" + (f" {stamp(contest.closed_at, 'R')}" if contest.closed_at else "")
    return "🚫 Cancelled" + (f" {stamp(contest.cancelled_at, 'R')}" if contest.cancelled_at else "")


def models_text(contest: Contest) -> str:
    if contest.models:
        return ", ".join(f"`{m}`" for m in contest.models)
    return f"any {contest.category} model" if contest.category else "any model"


def prizes_text(contest: Contest) -> str:
    if not any(contest.prizes):
        return "none (for the glory)"
    return " · ".join(f"{MEDALS.get(n, '')} {prize:,} cr" for n, prize in enumerate(contest.prizes, 1) if prize)


def cost_text(contest: Contest, budget_left: int | None = None) -> str:
    if not contest.sponsored:
        return "entrants pay for their own generations"
    left = f", {budget_left:,} left" if budget_left is not None else ""
    return f"sponsored: a budget of {contest.budget:,} cr pays for `/contest enter` generations{left}"


def rules_embed(contest: Contest, now: datetime, *, budget_left: int | None = None) -> discord.Embed:
    """The contest's rules: posted when it opens, and the top of /contest show."""
    embed = discord.Embed(title=clip(f"🏆 #{contest.id} · {contest.title}", 250),
                          description=clip(contest.theme, 3000), colour=COLOUR)
    embed.add_field(name="Now", value=phase_text(contest, now), inline=False)
    embed.add_field(name="Entries close", value=stamp(contest.entries_close_at))
    embed.add_field(name="Voting closes", value=stamp(contest.votes_close_at))
    embed.add_field(name="Entries per member", value=str(contest.max_entries))
    embed.add_field(name="Models", value=models_text(contest))
    if contest.required_words:
        embed.add_field(name="Prompts must contain", value=", ".join(f"`{w}`" for w in contest.required_words))
    embed.add_field(name="Prizes", value=prizes_text(contest))
    embed.add_field(name="Cost of entering", value=cost_text(contest, budget_left), inline=False)
    if contest.role_id is not None:
        embed.add_field(name="Who may take part", value=f"members with <@&{contest.role_id}> (to enter and to vote)",
                        inline=False)
    embed.add_field(
        name="How to take part",
        value=(f"`/contest enter contest:{contest.id} prompt:…`, or the **Submit to contest** button under one of "
               "your results made while entries are open. Voting is anonymous; members who were in the server "
               "before the contest began may vote, once, not for their own entry, and may change their vote."),
        inline=False,
    )
    embed.set_footer(text=marker(contest.id, "rules"))
    return embed


def contest_line(contest: Contest, now: datetime) -> str:
    where = f"<#{contest.channel_id}>"
    return f"**#{contest.id} · {clip(contest.title, 80)}** in {where}\n{phase_text(contest, now)}"


def list_embed(contests: list[Contest], now: datetime, *, finished: bool) -> discord.Embed:
    title = "🏆 This server's contests" if finished else "🏆 Open contests"
    if not contests:
        what = "contests yet" if finished else "open contests right now"
        return discord.Embed(title=title, description=f"No {what}.", colour=COLOUR)
    return discord.Embed(title=title, description="\n\n".join(contest_line(c, now) for c in contests)[:4000],
                         colour=COLOUR)


ENTRY_WORDS = {
    EntryStatus.PENDING: "rendering",
    EntryStatus.ENTERED: "in the contest",
    EntryStatus.WITHDRAWN: "withdrawn",
    EntryStatus.FAILED: "failed to render",
    EntryStatus.LATE: "not finished when entries closed",
}


def my_entry_line(entry: Entry) -> str:
    number = f"#{entry.number} · " if entry.number is not None else ""
    return f"{number}entry `{entry.id}` (job `{entry.job_id[:8]}`): {ENTRY_WORDS[entry.status]}"


def show_embeds(view: ContestView, now: datetime) -> list[discord.Embed]:
    """/contest show: the rules and phase, counts, the viewer's own entries and vote, results at the end."""
    contest = view.contest
    rules = rules_embed(contest, now, budget_left=view.budget_left if contest.sponsored else None)
    rules.add_field(name="So far", value=f"{view.entries} entries from {view.entrants} members", inline=False)
    if view.my_entries:
        rules.add_field(name="Your entries", value="\n".join(my_entry_line(e) for e in view.my_entries)[:1000],
                        inline=False)
    if contest.phase is Phase.VOTING:
        mine = f"you vote for entry #{view.my_vote}" if view.my_vote is not None else "you have not voted"
        rules.add_field(name="Your vote", value=f"{mine} (counts stay hidden until the end)", inline=False)
    embeds = [rules]
    if view.results is not None:
        embeds.append(results_embed(view.results))
    return embeds


def standing_line(place: int | None, number: int, member_id: int, votes: int, prize: int) -> str:
    medal = MEDALS.get(place or 0, "▫️")
    where = f"{ordinal(place)}" if place is not None else "—"
    won = f" · **{prize:,} cr**" if prize else ""
    return f"{medal} {where} · entry #{number} by <@{member_id}> · {votes} vote{'s' if votes != 1 else ''}{won}"


def results_embed(results: ContestResults) -> discord.Embed:
    contest = results.contest
    embed = discord.Embed(title=clip(f"🏁 Results · #{contest.id} {contest.title}", 250), colour=COLOUR)
    if not results.standings:
        embed.description = "No entries were made, so there is nothing to award. The prizes went back."
    else:
        lines = [standing_line(s.place, s.number, s.member_id, s.votes, s.prize)
                 for s in results.standings[:TOP_SHOWN]]
        more = len(results.standings) - TOP_SHOWN
        if more > 0:
            lines.append(f"… and {more} more entries")
        embed.description = "\n".join(lines)[:4000]
    paid = sum(p.amount for p in results.payouts)
    embed.add_field(name="Voters", value=str(results.voters))
    embed.add_field(name="Prizes paid", value=f"{paid:,} cr as bonus credits")
    if results.prizes_released or results.budget_released:
        back = results.prizes_released + max(0, results.budget_released)
        embed.add_field(name="Back to the allowance", value=f"{back:,} cr")
    embed.set_footer(text=marker(contest.id, "results"))
    return embed


def winners_content(results: ContestResults) -> str:
    winners = results.winners
    if not winners:
        return f"🏁 **{clip(results.contest.title)}** is over."
    named = ", ".join(dict.fromkeys(f"<@{s.member_id}>" for s in winners))
    return f"🏁 **{clip(results.contest.title)}** is over. Congratulations {named}!"


def voting_header(contest: Contest, entries: int) -> str:
    return (f"🗳️ **Voting is open** for **{clip(contest.title)}** until {stamp(contest.votes_close_at)} "
            f"({stamp(contest.votes_close_at, 'R')}). {entries} entries, shown without their authors: "
            "press **Vote** under your favourite. One vote each, which you may change until voting closes; "
            "not for your own entry. Counts stay hidden until the end.")


def cancelled_content(cancelled: Cancelled) -> str:
    contest = cancelled.contest
    told = " ".join(f"<@{m}>" for m in cancelled.entrants)
    text = (f"🚫 **{clip(contest.title)}** was cancelled by an admin. No votes will be counted and no prizes "
            "paid; the credits set aside for it went back to the server. What entries cost stays spent.")
    return f"{text}\n{told}" if told else text
