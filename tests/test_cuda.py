"""Device follows the model: the same explanations on the GPU as on the CPU (skipped without CUDA)."""

import pytest
import torch

from freqxai import FLEX, LRP, STFT, FreqRISE, project_relevance
from freqxai.metrics import perturbation_curves
from freqxai.models import AudioNet, SynthMLP

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _pair(model):
    return model.eval(), __import__("copy").deepcopy(model).cuda().eval()


def test_freqrise_flex_lrp_on_cuda_match_cpu():
    torch.manual_seed(0)
    cpu, gpu = _pair(SynthMLP())
    x = torch.randn(4, 1, 2560)
    y = torch.tensor([1, 2, 3, 4])
    for domain in ("fft", STFT(n_fft=128, hop_length=32)):
        r_gpu = FreqRISE(gpu, domain, n_masks=500, num_cells=64).attribute(x.cuda(), target=y, seed=0)
        assert r_gpu.is_cuda
        # masks come from a CUDA generator (another stream than the CPU's): compare statistics
        r_cpu = FreqRISE(cpu, domain, n_masks=500, num_cells=64).attribute(x, target=y, seed=0)
        assert abs(r_gpu.mean().item() - r_cpu.mean().item()) < 0.05 * abs(r_cpu.mean().item()) + 1e-3
    f_gpu = FLEX(gpu, "fft").attribute(x.cuda(), target=y, n_steps=16)
    f_cpu = FLEX(cpu, "fft").attribute(x, target=y, n_steps=16)
    assert f_gpu.is_cuda
    torch.testing.assert_close(f_gpu.cpu(), f_cpu, rtol=1e-3, atol=1e-4)
    l_gpu = LRP(gpu, domain="fft").attribute(x.cuda(), target=y)
    l_cpu = LRP(cpu, domain="fft").attribute(x, target=y)
    torch.testing.assert_close(l_gpu.cpu(), l_cpu, rtol=1e-3, atol=1e-4)


def test_audionet_projection_and_curves_on_cuda():
    torch.manual_seed(0)
    cpu, gpu = _pair(AudioNet(10))
    x = torch.randn(2, 1, 8000) * 0.1
    rel = LRP(gpu).attribute(x.cuda(), target=3)
    proj = project_relevance(rel, x.cuda(), STFT(n_fft=455, hop_length=35))
    assert proj.is_cuda
    torch.testing.assert_close(proj.flatten(2).sum(-1), rel.double().sum(-1), rtol=1e-6, atol=1e-8)
    c_gpu = perturbation_curves(gpu, x.cuda(), proj.float(), 3, STFT(455, 35))
    c_cpu = perturbation_curves(cpu, x, proj.float().cpu(), 3, STFT(455, 35))
    torch.testing.assert_close(torch.from_numpy(c_gpu), torch.from_numpy(c_cpu), rtol=1e-3, atol=1e-4)


def test_band_shapley_on_cuda_matches_cpu():
    from freqxai import BandShapley

    torch.manual_seed(0)
    cpu, gpu = _pair(SynthMLP())
    x = torch.randn(4, 1, 2560)
    y = torch.tensor([1, 2, 3, 4])
    s_gpu = BandShapley(gpu).attribute(x.cuda(), target=y)
    s_cpu = BandShapley(cpu).attribute(x, target=y)
    assert s_gpu.is_cuda
    torch.testing.assert_close(s_gpu.cpu(), s_cpu, rtol=1e-3, atol=1e-4)


def test_a_run_on_the_gpu_matches_the_cpu(tmp_path):
    """``--accelerator gpu``: the work items run on the GPU (Lightning) and give the CPU's
    results (gradient methods and band Shapley exactly up to float round-off)."""
    from freqxai.models.training import save_state_dict
    from freqxai.runner import RunConfig, run_experiment
    from freqxai.runner.store import ResultStore

    torch.manual_seed(0)
    weights = save_state_dict(SynthMLP(), tmp_path / "mlp.pt")
    runs = {}
    for accelerator in ("cpu", "gpu"):
        cfg = RunConfig(dataset="synthetic", weights=str(weights), n_test=8, chunk_size=4,
                        methods=["flex", "shapley", "lrp"], domains=["fft"],
                        metrics=["complexity"], sanity=False, accelerator=accelerator,
                        out=str(tmp_path / accelerator))
        run_experiment(cfg, progress=False)
        runs[accelerator] = ResultStore(tmp_path / accelerator)
    for method in ("flex", "shapley", "lrp"):
        a = runs["cpu"].read_unit(f"{method}__fft", ["relevance"])["relevance"]
        b = runs["gpu"].read_unit(f"{method}__fft", ["relevance"])["relevance"]
        torch.testing.assert_close(torch.from_numpy(b), torch.from_numpy(a), rtol=1e-3, atol=1e-4)
