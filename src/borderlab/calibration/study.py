"""The Optuna study behind a calibration, kept in OUT/study.journal so it can be resumed.

Optuna's journal storage appends every trial to one file; rerunning `borderlab calibrate`
with the same OUT loads the study and adds trials. The settings that define the objective
(the scenario file's content hash, cut-off, seeds, free parameters and ranges, the
observations' hash) are stored with the study, and a rerun with different settings is
refused rather than mixed in. The TPE sampler is seeded with `sampler_seed + trials
already in the study`, so a given sequence of commands always gives the same trials.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from ..errors import InputFileError
from ..reporting.outdir import check_output, prepare_study_folder

STUDY_FILE = "study.journal"
CALIBRATION_KIND = "calibration"
STUDY_NAME = "borderlab-calibration"
SETTINGS_ATTR = "settings"
INFORMATIVE = ("scenario_file",)   # stored, not compared: a moved checkout still resumes (its hash is compared)


def check_out(out: Path, force: bool = False) -> bool:
    """True if `out` holds a study to resume; refuse a folder that is not a calibration
    (reporting/outdir.py; `borderlab calibrate` also holds its lock while it runs)."""
    check_output(out, CALIBRATION_KIND, force)
    return (Path(out) / STUDY_FILE).is_file()


def open_study(out: Path, settings: dict, sampler_seed: int, force: bool = False) -> tuple[optuna.Study, bool]:
    """Load the study in `out` (checking its settings) or create it; returns (study, created)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out = prepare_study_folder(out, CALIBRATION_KIND, force)
    path = out / STUDY_FILE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # experimental-feature notices
        storage = JournalStorage(JournalFileBackend(str(path)))
    try:
        study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
        created = False
    except KeyError:
        study = optuna.create_study(study_name=STUDY_NAME, storage=storage, direction="minimize")
        study.set_user_attr(SETTINGS_ATTR, settings)
        created = True
    if not created:
        old = study.user_attrs.get(SETTINGS_ATTR, {})
        diff = [k for k in settings if k not in INFORMATIVE
                and json.dumps(old.get(k), sort_keys=True) != json.dumps(settings[k], sort_keys=True)]
        if diff:
            raise InputFileError(f"{path}: this study was run with different settings ({_difference(diff[0], old, settings)}); "
                                 "resuming would mix two objectives\n"
                                 "    hint: use a new --out folder, or rerun with the study's settings")
    study.sampler = optuna.samplers.TPESampler(seed=sampler_seed + len(study.trials))
    return study, created


def _difference(key: str, old: dict, new: dict) -> str:
    if key == "params":
        was = {tuple(p) for p in old.get(key) or []}
        now = {tuple(p) for p in new.get(key) or []}
        gone = sorted(p[0] for p in was - now)
        added = sorted(p[0] for p in now - was)
        return "free parameters: " + "; ".join(filter(None, [f"study has {', '.join(gone)}" if gone else "",
                                                             f"now also {', '.join(added)}" if added else ""]))
    return f"{key}: study {json.dumps(old.get(key))[:80]}, now {json.dumps(new.get(key))[:80]}"
