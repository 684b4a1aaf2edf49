"""Make examples/qs3_lasing.csv and examples/qs3_emission.csv: a synthetic lab data set for
`paradisk fit-gain` (not a measurement).

The "true" film differs from the QS3 preset of examples/qs3_array.yaml: Stokes shift 75 meV
(preset 69.8), FWHM 100 meV (preset 108.15), emission peak 632 nm (preset 630), C sigma_0 =
2,400 /cm (the spec's film: 2,918 /cm). Its cavities are the FEM modes of the example's five
disks (tests/data/qs3_example_fem_modes.csv) with loaded Q of 6,000-80,000; each one lases in
its lowest-threshold mode (gain.lasing.predict_lasing). Added noise: 8 % on the threshold
fluence, 0.05 nm on the wavelength, 3 % on Q. The emission spectrum is the 0-X line of the true
film below threshold (a Gaussian in energy) on a flat background, with 1 % noise.

Run from the repository's top directory: .venv/bin/python examples/make_qs3_lasing.py
"""

from __future__ import annotations

import numpy as np

from gain.film import NanocrystalFilm, PumpSettings
from gain.lasing import predict_lasing
from gain.materials import HC_EV_NM, get_preset
from gain.modetable import ModeTable


def main() -> None:
    rng = np.random.default_rng(2026)
    qs3 = get_preset("QS3")
    true = qs3.model_copy(update={"stokes_shift_meV": 75.0, "linewidth_fwhm_meV": 100.0,
                                  "emission_peak_nm": 632.0})
    film = NanocrystalFilm(material=true, concentration_per_cm3=2400.0 / true.sigma0_peak_cm2,
                           thickness_nm=80.0, refractive_index=1.8)
    pump = PumpSettings()
    table = ModeTable.from_csv("tests/data/qs3_example_fem_modes.csv")
    rows = []
    for disk in table.disk_ids():
        for q in (6e3, 1.2e4, 2.5e4, 5e4, 8e4):
            p = predict_lasing(table.for_disk(disk), film, pump, intrinsic_Q=q)
            fluence = p.threshold_fluence_uJ_per_cm2 * np.exp(rng.normal(0.0, 0.08))
            rows.append(f"{disk},{fluence:.3f},{p.wavelength_nm + rng.normal(0, 0.05):.2f},"
                        f"{q * np.exp(rng.normal(0.0, 0.03)):.0f},{p.film_fraction:.4f}")
    with open("examples/qs3_lasing.csv", "w") as f:
        f.write("# Synthetic lasing thresholds of the examples/qs3_array.yaml disks (NOT a "
                "measurement):\n# made by examples/make_qs3_lasing.py (its docstring says how)."
                " Replace with the lab's cavities.\n")
        f.write("disk_id,threshold_fluence_uJ_per_cm2,lasing_wavelength_nm,Q,film_fraction\n")
        f.write("\n".join(rows) + "\n")
    lam = np.arange(580.0, 700.0, 0.5)
    e = HC_EV_NM / lam
    s = true.linewidth_sigma_eV
    inten = np.exp(-0.5 * ((e - true.emission_peak_eV) / s) ** 2) + 0.02
    inten = inten + rng.normal(0.0, 0.01, lam.size)
    with open("examples/qs3_emission.csv", "w") as f:
        f.write("# Synthetic below-threshold emission of the film of examples/qs3_lasing.csv "
                "(NOT a measurement;\n# examples/make_qs3_lasing.py): 0-X line at 632 nm, "
                "FWHM 100 meV.\nwavelength_nm,intensity\n")
        f.write("\n".join(f"{a:.1f},{b:.4f}" for a, b in zip(lam, inten, strict=True)) + "\n")


if __name__ == "__main__":
    main()
