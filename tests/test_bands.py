"""Band edges (freqxai.bands): user bands checked against the data's bins, the top bin kept."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from freqxai.bands import band_edges, band_membership, check_bands, default_bands

FREQS = np.fft.rfftfreq(128, 1 / 64.0)  # 0 to 32 Hz, 0.5 Hz apart


def test_check_bands_keeps_a_valid_mapping_and_names_a_list_of_pairs():
    bands = {"low": (0, 8), "high": (8.0, 32.0)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # adjacent bands that cover every bin: no warning
        assert check_bands(bands, FREQS) == {"low": (0.0, 8.0), "high": (8.0, 32.0)}
        assert check_bands([(0, 8), (8, 32)], FREQS) == {"0-8 Hz": (0.0, 8.0),
                                                         "8-32 Hz": (8.0, 32.0)}
        assert list(check_bands(np.array([[0, 0.25], [0.25, 0.5]]), FREQS / 64,
                                unit="cycles/sample")) == ["0-0.25 cycles/sample",
                                                           "0.25-0.5 cycles/sample"]


@pytest.mark.parametrize("bands, exc, fragment", [
    ({"a": (0, 8), "b": (6, 32)}, ValueError, r"overlap: 'a' \(0-8 Hz\) and 'b' \(6-32 Hz\) share 6-8"),
    ([(0, 8), (8, 32), (4, 6)], ValueError, r"overlap: '0-8 Hz' .* '4-6 Hz'"),
    ([(0, 8), (0, 8)], ValueError, r"bands\[1\] repeats the band '0-8 Hz': bands must not overlap"),
    ({"a": (0, 16), "b": (16, 32), "c": (33, 40)}, ValueError, r"'c' .* above the highest"),
    ({"a": (0, 16.1), "b": (16.1, 16.2), "c": (16.2, 32)}, ValueError, r"'b' .* narrower"),
    ({"a": (0, 32), "neg": (-2, -1)}, ValueError, r"'neg' .* below 0"),
    ({"a": (8, 2)}, ValueError, r"bands\['a'\] must have low < high"),
    ({"a": (0, np.nan)}, ValueError, r"bands\['a'\] must have finite edges"),
    ({"a": ("x", "y")}, ValueError, r"bands\['a'\] must be a \(low, high\) pair of numbers"),
    ({"a": (1, 2, 3)}, TypeError, r"bands\['a'\] must be a \(low, high\) pair"),
    ((8, 12), TypeError, r"for one band give"),
    ("alpha", TypeError, r"bands must map band names"),
    ({}, ValueError, r"at least one"),
    ([], ValueError, r"at least one"),
])
def test_check_bands_refuses(bands, exc, fragment):
    with pytest.raises(exc, match=fragment):
        check_bands(bands, FREQS)


def test_check_bands_without_fs_refuses_bands_in_hz():
    with pytest.raises(ValueError, match=r"above 0.5 cycles per sample.*give fs="):
        check_bands({"alpha": (0.1, 12)}, FREQS / 64, unit="cycles/sample")


def test_check_bands_warns_about_a_gap_naming_its_range():
    with pytest.warns(UserWarning, match=r"leave 12 of 65 frequency bins in no band "
                                         r"\(0-3.5, 30.5-32 Hz\)"):
        assert list(check_bands({"theta": (4, 8), "rest": (8, 30.5)}, FREQS)) == ["theta", "rest"]


def test_band_edges_accepts_numpy_numbers():
    assert band_edges((np.float32(1), np.int64(3))) == (1.0, 3.0)
    with pytest.raises(ValueError, match="band must have low < high"):
        band_edges((3, 3))
    with pytest.raises(ValueError, match="pair of numbers"):
        band_edges((True, 3))


def test_the_top_bin_is_in_the_band_ending_at_nyquist_despite_rounding():
    # 88 samples at 100 Hz: the Nyquist bin is 50.000000000000007 Hz
    freqs = np.fft.rfftfreq(88, 1 / 100.0)
    assert freqs[-1] > 50.0
    member = band_membership(freqs, {"low": (0.0, 26.7), "top": (26.7, 50.0)})
    assert (member.sum(1) == 1).all()  # every bin in exactly one band


# ---- issue 25, left-over cases of the bad-input tour: frequencies, unit and eeg checked ----------

NAN_FREQS = FREQS * np.nan


@pytest.mark.parametrize("call, exc, fragment", [
    (lambda: band_membership(FREQS, [(0, 8)]), TypeError,
     r"bands must map band names to \(low, high\) edges.*check_bands"),
    (lambda: band_membership(NAN_FREQS, {"a": (0, 8)}), ValueError, r"frequencies must be .*finite"),
    (lambda: band_membership(FREQS[:, None], {"a": (0, 8)}), ValueError,
     r"frequencies must be a 1-D array .*shape \(65, 1\)"),
    (lambda: band_membership(["a", "b"], {"a": (0, 8)}), ValueError, r"frequencies must be"),
    (lambda: check_bands({"a": (0, 32)}, NAN_FREQS), ValueError, r"frequencies must be .*finite"),
    (lambda: check_bands({"a": (0, 32)}, FREQS, unit="furlongs"), ValueError,
     r"unit must be one of \['Hz', 'cycles/sample'\], got 'furlongs'"),
    (lambda: default_bands(NAN_FREQS), ValueError, r"frequencies must be .*finite"),
    (lambda: default_bands(np.array([])), ValueError, r"frequencies must .*at least one bin"),
    (lambda: default_bands([]), ValueError, r"frequencies must .*at least one bin"),
    (lambda: default_bands(FREQS, unit="furlongs"), ValueError,
     r"unit must be one of \['Hz', 'cycles/sample'\], got 'furlongs'"),
    (lambda: default_bands(FREQS, eeg="yes"), TypeError, r"eeg must be True or False, got 'yes'"),
    (lambda: default_bands(FREQS, eeg=None), TypeError, r"eeg must be True or False, got None"),
], ids=["membership-bands-a-list", "membership-nan-frequencies", "membership-2d-frequencies",
        "membership-string-frequencies", "check-nan-frequencies", "check-unit-bogus",
        "default-nan-frequencies", "default-no-frequencies", "default-empty-list",
        "default-unit-bogus", "default-eeg-yes", "default-eeg-none"])
def test_bad_frequencies_units_and_flags_are_refused(call, exc, fragment):
    with pytest.raises(exc, match=fragment):
        call()


def test_frequencies_may_be_any_array_like_and_both_units_are_taken():
    bands = {"low": (0, 8), "high": (8, 32)}
    np.testing.assert_array_equal(band_membership(list(FREQS), bands), band_membership(FREQS, bands))
    assert default_bands(list(FREQS)) == default_bands(FREQS)
    assert list(default_bands(FREQS / 64, unit="cycles/sample"))[-1] == "0.25-0.5 cycles/sample"
    assert default_bands(FREQS, eeg=np.bool_(True)) == default_bands(FREQS, eeg=True)
