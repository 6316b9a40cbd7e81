"""The pathway rules: one module per decision-model state or small family of states.

``red_flags`` R1–R3 · ``acute`` E1–E2 · ``persistent`` P1–P2 · ``esi_outcome`` F0, F1, F2, F8 ·
``refractory`` F3–F7 · ``post_surgical`` S1–S4 · ``neuromodulation`` N1–N3, L1 · ``ablation`` A1–A2 ·
``medication`` M1–M3 · ``psychosocial`` Y1 · ``incidental`` X1 (no card).
"""
