"""Holding the meetings: agendas from the queues, panels, scores, decisions and their effects.

Technologies sent to review wait in their field group's queue. A registration review takes
the group whose oldest waiting technology has waited longest (or the group of a technology
reserved for it) and puts up to ``CAP`` of its technologies on the agenda, oldest first.
Adoption reviews take the waiting proposals, testbed selections the waiting applications.
Meetings of the published period (``phase_a``) come with their agenda already set.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable

from seed import panels, people, texts
from seed.constants import PLANTED_BY_CODE
from seed.model import Adoption, Expert, Item, Meeting, Seat, Tech, Testbed
from seed.technologies import decide, screen
from seed.world import World

CAP = 30
ONLINE = (dt.date(2020, 3, 1), dt.date(2021, 10, 31))
REPEATED_GROUP = "civil"


class Deliberations:
    """The queues and indexes meetings draw on, and :meth:`hold` for one meeting."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.rosters = people.rosters(w)
        self.group_of = w.city.group_of_field
        self.employees = people.employees(w)
        self.ties = people.ties_by_org(w)
        self.queues: dict[str, list[tuple[dt.date, int, Tech]]] = {
            g: [] for g in w.city.field_groups
        }
        self.reserved: dict[str, list[Tech]] = {}
        self.proposals: list[Adoption] = []  # waiting adoption proposals, oldest first
        self.applications: list[Testbed] = []  # waiting testbed applications, oldest first
        self.new_application: Callable[[dt.date], Testbed] | None = None
        self.registered: list[Tech] = []  # in order of registration (for proposals)
        self.repeated_expert: Expert | None = None

    # --- queues ---------------------------------------------------------------------------

    def enqueue(self, tech: Tech) -> None:
        """``tech`` waits for review from its ``review_on`` (or for the meeting reserved)."""
        if tech.reserved_for:
            self.reserved.setdefault(tech.reserved_for, []).append(tech)
        else:
            assert tech.review_on is not None
            heapq.heappush(self.queues[tech.group], (tech.review_on, tech.seq, tech))

    def _take_registrations(self, m: Meeting) -> list[Tech]:
        chosen = self.reserved.pop(m.code, [])
        if chosen:
            group = chosen[0].group
        else:
            ready = [(q[0][0], g) for g, q in self.queues.items() if q and q[0][0] < m.agenda_on]
            if not ready:
                return []
            group = min(ready)[1]
        queue = self.queues[group]
        while queue and queue[0][0] < m.agenda_on and len(chosen) < CAP:
            chosen.append(heapq.heappop(queue)[2])
        m.group = group
        return chosen

    # --- one meeting ----------------------------------------------------------------------

    def hold(self, m: Meeting) -> None:
        """Set the agenda, draw the panel, score, decide, and apply the decisions."""
        w = self.w
        m.planted = PLANTED_BY_CODE.get(m.code)
        if not m.phase_a:
            self._agenda(m)
        group = m.group if m.kind == "registration_review" and m.group else "all"
        excluded = panels.exclusions(m, group, self.employees, self.ties, self.group_of)
        panels.draw(w, m, self.rosters[group], excluded)
        if m.planted == "repeated_panelist_for_applicant":
            self._seat_repeated_expert(m, excluded)
        panels.attend(w, m, without_quorum=m.planted == "decided_without_quorum")
        for item in m.items:
            passed = self._outcome(item)
            against = m.planted == "decision_against_scores" and item.position == 1
            panels.score(w, m, item, passed, against=against)
            self._apply(m, item)
        self._describe(m)

    def _agenda(self, m: Meeting) -> None:
        if m.kind == "registration_review":
            techs = self._take_registrations(m)
            m.items = [Item(i + 1, t) for i, t in enumerate(techs)]
        elif m.kind == "adoption_review":
            ready = [a for a in self.proposals if a.proposed_on < m.agenda_on][:25]
            taken = set(map(id, ready))
            self.proposals = [a for a in self.proposals if id(a) not in taken]
            m.items = []
            seen: set[int] = set()
            for a in ready:
                if a.tech.seq in seen:  # one item per technology and meeting
                    self.proposals.append(a)
                    continue
                seen.add(a.tech.seq)
                a.review_on = m.agenda_on
                m.items.append(Item(len(m.items) + 1, a.tech, adoption=a))
        else:
            cutoff = m.agenda_on - dt.timedelta(days=7)
            if self.new_application and not any(t.applied_on < cutoff for t in self.applications):
                # a call that drew no one would not be convened: one late application
                late = self.w.date_between(cutoff - dt.timedelta(days=30), cutoff)
                self.applications.insert(
                    0, self.new_application(min(late, cutoff - dt.timedelta(days=1)))
                )
            apps = [t for t in self.applications if t.applied_on < cutoff]
            self.applications = [t for t in self.applications if t.applied_on >= cutoff]
            m.items = [Item(i + 1, t.tech, testbed=t) for i, t in enumerate(apps)]

    def _outcome(self, item: Item) -> bool:
        # An outcome fixed in advance: the published agendas, the acrylate method, the planted
        # applicant's technologies (a technology's own flag does not bind its adoptions).
        forced = item.forced if item.adoption is not None else item.forced or item.tech.forced
        if forced:
            return forced == "passed"
        if item.adoption is not None:
            return self.w.chance(0.9)
        if item.testbed is not None:
            return self.w.chance(0.7)
        return self.w.chance(item.tech.pass_prob)

    def _apply(self, m: Meeting, item: Item) -> None:
        w, passed = self.w, item.decision == "passed"
        if item.adoption is not None:
            a = item.adoption
            a.decided_on = w.after(m.held_on, 2, 9)
            if m.phase_a:
                a.decided_on = min(a.decided_on, m.held_on + dt.timedelta(days=7))
            a.approved = passed
            a.comment = w.pick(texts.APPROVE_COMMENTS if passed else texts.REJECT_COMMENTS)
        elif item.testbed is not None:
            self._testbed_outcome(m, item.testbed, passed)
        else:
            decide(w, item.tech, m.held_on, passed)
            if passed:
                self.registered.append(item.tech)

    def _testbed_outcome(self, m: Meeting, t: Testbed, passed: bool) -> None:
        w, tech = self.w, t.tech
        if not passed:
            t.rejected_on = m.held_on
            screen(w, tech, m.held_on)
            tech.pass_prob = 0.6
        else:
            t.selected_on = m.held_on
            t.started_on = w.after(m.held_on, 45, 150)
            t.completed_on = w.after(t.started_on, 240, 420)
            if w.chance(0.6):
                t.certified_on = w.after(t.completed_on, 60, 300)
                t.certification = w.pick(
                    (
                        "construction_new_technology",
                        "green_technology",
                        "innovation_product",
                        "patent",
                    )
                )
                tech.cert_change = (t.certified_on, t.certification)
            screen(w, tech, t.completed_on)
            tech.pass_prob = 0.92
        self.enqueue(tech)

    def _seat_repeated_expert(self, m: Meeting, excluded: dict[int, str]) -> None:
        """Planted: the same expert is seated (as a substitute) at every meeting of the set."""
        if self.repeated_expert is None:
            roster = self.rosters[REPEATED_GROUP]
            n = roster.registered_before(m.draw_on)
            candidates = [
                e
                for e in roster.members[:n]
                if e.affiliation == "industry"
                and e.retired_on is None
                and e.id not in excluded
                and e.org.seq not in {i.tech.owner.seq for i in m.items}
            ]
            self.repeated_expert = self.w.pick(candidates)
        expert = self.repeated_expert
        if any(s.expert is expert for s in m.seats):
            seat = next(s for s in m.seats if s.expert is expert)
        else:
            seat = Seat(expert, rank=m.seats[-1].rank)
            m.seats[-1] = seat
        seat.method = "substitute"

    def _describe(self, m: Meeting) -> None:
        year = m.held_on.year
        number = int(m.code.rsplit("-", 1)[1])
        if m.kind == "registration_review":
            group = texts.GROUP_KO[m.group or "civil"]
            m.title = f"{year}년 제{number}차 신기술 등록 심의위원회 ({group} 분야)"
        elif m.kind == "adoption_review":
            m.title = f"{year}년 제{number}차 신기술 도입 심의위원회"
        else:
            half = "상반기" if m.held_on.month <= 6 else "하반기"
            m.title = f"{year}년 {half} 신기술 테스트베드 선정위원회"
        online = ONLINE[0] <= m.held_on <= ONLINE[1] and self.w.chance(0.7)
        m.location = (
            texts.ONLINE_LOCATION if online else self.w.city.with_city(self.w.pick(texts.LOCATIONS))
        )
        voters = panels.scorers(m)
        passed = sum(1 for i in m.items if i.decision == "passed")
        attended = sum(1 for s in m.seats if s.attended)
        recused = sum(1 for s in m.seats if s.recused)
        if m.items:
            m.minutes = (
                f"상정 안건 {len(m.items)}건 중 가결 {passed}건, 부결 {len(m.items) - passed}건. "
                f"출석 위원 {attended}명(정족수 {m.quorum}명), 회피 {recused}명, "
                f"평가 참여 {len(voters)}명."
            )
        else:
            m.minutes = f"상정 안건이 없어 운영 현황 보고로 대체함. 출석 위원 {attended}명."
