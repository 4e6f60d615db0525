//! A buffer's mapping state: one atomic word, and a ring of the outcomes of its latest maps.
//!
//! The word holds the phase (unmapped, map pending, mapped, an unmap in Dawn), the live views, whether a
//! [`Mapping`](crate::Mapping) guard holds the mapping, and the token of the latest map. A map's callback
//! may run at any time on any thread (maps use Dawn's `AllowSpontaneous` mode, so an idle buffer's map
//! completes inside `wgpuBufferMapAsync`): it never changes the word; it stores the map's outcome, tagged
//! with its token, into the ring, and that outcome is what makes a pending phase mapped (or unmapped, for
//! a failure). So a successful wait always finds the buffer mapped, and a callback costs one store.
//!
//! Every change the API makes (map, view, guard, unmap) is one compare-and-swap on the word, done before
//! calling Dawn; nothing else changes the word while an unmap is in Dawn (the busy phase), so it ends with
//! a plain store. A new map starts only once the previous map's callback has run, so the ring slot it
//! takes is free; the ring only keeps the outcomes of earlier maps for futures not read yet.

use std::sync::atomic::{AtomicU64, Ordering::*};

/// The phases of the word's low two bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Unmapped = 0,
    /// A map was started; its ring outcome tells whether it has mapped since (see [`MapState::phase_of`]).
    Pending = 1,
    /// Mapped (set by a view, a guard or `mapped_at_creation`; a map's success shows as `Pending` plus its
    /// outcome until then).
    Mapped = 2,
    /// An unmap or destroy of the buffer is inside Dawn.
    Busy = 3,
}

const PHASE: u64 = 0b11;
/// A [`Mapping`](crate::Mapping) guard holds the whole mapping (and counts as one view).
pub(crate) const GUARDED: u64 = 1 << 2;
pub(crate) const VIEWS: Field = Field { shift: 3, bits: 21 };
pub(crate) const TOKEN: Field = Field {
    shift: 24,
    bits: 40,
};

/// Outcomes kept per buffer: a map's future reads its outcome until this many later maps have started.
pub(crate) const RING: u64 = 16;

/// A counter packed into the word.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    shift: u32,
    bits: u32,
}

impl Field {
    pub(crate) const fn one(self) -> u64 {
        1 << self.shift
    }
    pub(crate) const fn max(self) -> u64 {
        (1 << self.bits) - 1
    }
    pub(crate) const fn get(self, word: u64) -> u64 {
        (word >> self.shift) & self.max()
    }
    pub(crate) const fn set(self, word: u64, value: u64) -> u64 {
        (word & !(self.max() << self.shift)) | ((value & self.max()) << self.shift)
    }
}

pub(crate) const fn phase(word: u64) -> Phase {
    match word & PHASE {
        0 => Phase::Unmapped,
        1 => Phase::Pending,
        2 => Phase::Mapped,
        _ => Phase::Busy,
    }
}

pub(crate) const fn with_phase(word: u64, phase: Phase) -> u64 {
    (word & !PHASE) | phase as u64
}

/// The word of a map that starts after `word`: pending, the next token, views and guard as they were.
pub(crate) const fn next_map(word: u64) -> u64 {
    let token = (TOKEN.get(word) + 1) & TOKEN.max();
    TOKEN.set(with_phase(word, Phase::Pending), token)
}

/// What an outcome records in its low two bits (the token above them).
const SUCCEEDED: u64 = 1;
const FAILED: u64 = 2;

/// The outcome `outcome` records for map `token`: `Some(success)`, or `None` if it is another map's.
pub(crate) const fn outcome_of(outcome: u64, token: u64) -> Option<bool> {
    if outcome >> 2 == token {
        Some(outcome & 0b11 == SUCCEEDED)
    } else {
        None
    }
}

pub(crate) const fn outcome(token: u64, succeeded: bool) -> u64 {
    token << 2 | if succeeded { SUCCEEDED } else { FAILED }
}

/// The word and the outcome ring (the rest of a buffer's mapping state lives in `mapping.rs`).
pub(crate) struct StateWord {
    pub(crate) word: AtomicU64,
    ring: [AtomicU64; RING as usize],
}

impl StateWord {
    /// A word that is unmapped, or mapped (by `mapped_at_creation`).
    pub(crate) fn new(mapped: bool) -> Self {
        let phase = if mapped {
            Phase::Mapped
        } else {
            Phase::Unmapped
        };
        StateWord {
            word: AtomicU64::new(phase as u64),
            // Map 0 stands for "no map yet": done, and succeeded.
            ring: std::array::from_fn(|_| AtomicU64::new(outcome(0, true))),
        }
    }

    fn slot(&self, token: u64) -> &AtomicU64 {
        &self.ring[(token % RING) as usize]
    }

    /// Map `token`'s success once its callback ran; `None` before, or once its slot went to a later map
    /// (then [`overwritten`](StateWord::overwritten) says so).
    #[inline]
    pub(crate) fn result(&self, token: u64) -> Option<bool> {
        outcome_of(self.slot(token).load(Acquire), token)
    }

    /// Whether map `token`'s outcome was replaced by a map `RING` or more later.
    pub(crate) fn overwritten(&self, token: u64) -> bool {
        self.slot(token).load(Acquire) >> 2 > token
    }

    /// Leaves map `token`'s outcome: the callback's one store, and its last use of the state.
    #[inline]
    pub(crate) fn record(&self, token: u64, succeeded: bool) {
        self.slot(token).store(outcome(token, succeeded), Release);
    }

    /// The phase `word` stands for: a pending map whose callback ran is mapped or, if it failed,
    /// unmapped.
    #[inline]
    pub(crate) fn phase_of(&self, word: u64) -> Phase {
        match phase(word) {
            Phase::Pending => match self.result(TOKEN.get(word)) {
                None => Phase::Pending,
                Some(true) => Phase::Mapped,
                Some(false) => Phase::Unmapped,
            },
            phase => phase,
        }
    }

    /// Whether the latest map's callback has run.
    #[inline]
    pub(crate) fn callback_done(&self, word: u64) -> bool {
        self.result(TOKEN.get(word)).is_some()
    }

    pub(crate) fn load(&self) -> u64 {
        self.word.load(SeqCst)
    }

    /// One compare-and-swap of the word (`SeqCst`: paired with the device's closing flag).
    #[inline]
    pub(crate) fn swap(&self, current: u64, new: u64) -> std::result::Result<(), u64> {
        self.word
            .compare_exchange_weak(current, new, SeqCst, SeqCst)
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap_and_round_trip() {
        let word = TOKEN.set(VIEWS.set(with_phase(0, Phase::Busy), 5), 123_456) | GUARDED;
        assert_eq!(phase(word), Phase::Busy);
        assert_eq!(VIEWS.get(word), 5);
        assert_eq!(TOKEN.get(word), 123_456);
        assert_ne!(word & GUARDED, 0);
        assert_eq!(VIEWS.get(VIEWS.set(word, VIEWS.max())), VIEWS.max());
        assert_eq!(
            TOKEN.get(VIEWS.set(word, VIEWS.max())),
            123_456,
            "views spill into the token"
        );
        assert_eq!(
            phase(TOKEN.set(word, TOKEN.max())),
            Phase::Busy,
            "the token spills into the phase"
        );
        assert_eq!(VIEWS.one(), 1 << 3);
        assert_eq!(PHASE & GUARDED, 0);
        assert_eq!((VIEWS.max() << 3) & (GUARDED | PHASE), 0);
    }

    #[test]
    fn next_map_advances_the_token_and_wraps() {
        let word = next_map(with_phase(0, Phase::Unmapped));
        assert_eq!((phase(word), TOKEN.get(word)), (Phase::Pending, 1));
        let last = TOKEN.set(0, TOKEN.max());
        assert_eq!(TOKEN.get(next_map(last)), 0);
    }

    #[test]
    fn outcomes_are_tagged_with_their_token() {
        assert_eq!(outcome_of(outcome(7, true), 7), Some(true));
        assert_eq!(outcome_of(outcome(7, false), 7), Some(false));
        assert_eq!(outcome_of(outcome(7, true), 8), None);
        assert_eq!(outcome_of(outcome(7 + RING, true), 7), None);
    }

    #[test]
    fn a_pending_word_reads_as_its_outcome() {
        let state = StateWord::new(false);
        let word = next_map(state.load());
        assert_eq!(state.phase_of(word), Phase::Pending);
        assert!(!state.callback_done(word));
        state.record(1, true);
        assert_eq!(state.phase_of(word), Phase::Mapped);
        let again = next_map(with_phase(word, Phase::Unmapped));
        assert_eq!(
            state.phase_of(again),
            Phase::Pending,
            "map 2 has no outcome yet"
        );
        state.record(2, false);
        assert_eq!(state.phase_of(again), Phase::Unmapped);
        assert_eq!(state.result(1), Some(true), "map 1's outcome is kept");
    }

    #[test]
    fn the_ring_keeps_the_last_outcomes_and_says_when_one_is_gone() {
        let state = StateWord::new(false);
        for token in 1..=RING + 2 {
            state.record(token, token % 3 != 0);
        }
        assert_eq!(state.result(RING + 1), Some(true));
        assert_eq!(state.result(RING + 2), Some(false));
        assert_eq!(state.result(3), Some(false));
        assert!(!state.overwritten(3));
        assert_eq!(state.result(2), None, "map 2's slot went to map 2 + RING");
        assert!(state.overwritten(2));
        assert!(
            !state.overwritten(RING + 3),
            "a map not started yet is not overwritten"
        );
    }
}
