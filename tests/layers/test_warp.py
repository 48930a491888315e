import pytest
import torch
import torch.nn.functional as F

from msrnn.layers.warp import multi_warp, warp
from msrnn.profiling import saved_tensor_bytes


def _grid_sample_warp(image, flow):
    """Independent reference: grid_sample with the align_corners=True normalisation."""
    _, _, height, width = image.shape
    columns = torch.arange(width, dtype=flow.dtype)
    rows = torch.arange(height, dtype=flow.dtype).unsqueeze(1)
    gx = 2 * (columns + flow[:, 0]) / (width - 1) - 1
    gy = 2 * (rows + flow[:, 1]) / (height - 1) - 1
    grid = torch.stack([gx, gy], dim=-1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def _shifted(image, dx, dy):
    """out[..., y, x] = image[..., y + dy, x + dx], zero where that pixel is outside."""
    height, width = image.shape[-2:]
    out = torch.zeros_like(image)
    for y in range(height):
        for x in range(width):
            if 0 <= y + dy < height and 0 <= x + dx < width:
                out[..., y, x] = image[..., y + dy, x + dx]
    return out


def _fractional_flow(*shape, generator, dtype=torch.float64):
    """Flows in [-3, 3) at least 0.1 away from integers (where the gradient has kinks)."""
    whole = torch.randint(-3, 3, shape, generator=generator).to(dtype)
    return whole + 0.1 + 0.8 * torch.rand(*shape, generator=generator, dtype=dtype)


@pytest.mark.parametrize("shape", [(2, 3, 4, 8), (1, 4, 1, 16), (3, 1, 8, 8)])
def test_zero_flow_is_exactly_the_identity_on_power_of_two_sides(shape):
    image = torch.randn(*shape)
    flow = torch.zeros(shape[0], 2, *shape[2:])
    assert torch.equal(warp(image, flow), image)
    assert torch.equal(warp(image, -flow), image)
    flows = torch.zeros(shape[0], 4, 2, *shape[2:])
    assert torch.equal(multi_warp(image, flows), image.unsqueeze(1).expand(-1, 4, -1, -1, -1))


@pytest.mark.parametrize("dx, dy", [(1, 0), (0, -2), (3, 1), (-1, -1), (-4, 2), (9, 0)])
def test_integer_flow_shifts_exactly_on_power_of_two_sides(dx, dy):
    image = torch.randn(2, 3, 8, 4)
    flow = torch.empty(2, 2, 8, 4)
    flow[:, 0], flow[:, 1] = dx, dy
    assert torch.equal(warp(image, flow), _shifted(image, dx, dy))


@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (1, 4, 1, 6), (3, 1, 9, 9), (1, 2, 63, 100)])
@pytest.mark.parametrize("dx, dy", [(0, 0), (1, 0), (-3, 2)])
def test_integer_flow_on_other_sides_is_off_by_rounding_only(shape, dx, dy):
    # positions make one float32 round trip through grid_sample's normalisation
    image = torch.randn(*shape)
    flow = torch.empty(shape[0], 2, *shape[2:])
    flow[:, 0], flow[:, 1] = dx, dy
    largest_side = max(shape[2:])
    tolerance = 4 * largest_side * torch.finfo(torch.float32).eps * image.abs().max()
    assert (warp(image, flow) - _shifted(image, dx, dy)).abs().max() <= tolerance


def test_hand_computed_half_pixel_shift():
    image = torch.tensor([[[[1.0, 3.0], [5.0, 7.0]]]])
    flow = torch.zeros(1, 2, 2, 2)
    flow[:, 0] = 0.5  # sample half a pixel to the right; the right column reaches outside
    expected = torch.tensor([[[[2.0, 1.5], [6.0, 3.5]]]])
    assert torch.equal(warp(image, flow), expected)
    flow = torch.zeros(1, 2, 2, 2)
    flow[:, 1] = -0.25  # a quarter pixel up: the top row is 3/4 inside
    expected = torch.tensor([[[[0.75, 2.25], [4.0, 6.0]]]])
    assert torch.equal(warp(image, flow), expected)


@pytest.mark.parametrize("size", [(5, 7), (8, 8), (11, 4)])
def test_matches_grid_sample_with_align_corners(size):
    generator = torch.Generator().manual_seed(0)
    image = torch.randn(2, 3, *size, generator=generator)
    flow = 6 * torch.rand(2, 2, *size, generator=generator) - 3
    assert torch.allclose(warp(image, flow), _grid_sample_warp(image, flow), atol=1e-5)


def test_gradients_match_grid_sample():
    generator = torch.Generator().manual_seed(1)
    image = torch.randn(2, 3, 6, 7, generator=generator, dtype=torch.float64)
    flow = _fractional_flow(2, 2, 6, 7, generator=generator)
    weights = torch.randn(2, 3, 6, 7, generator=generator, dtype=torch.float64)
    grads = []
    for fn in (warp, _grid_sample_warp):
        leaves = image.clone().requires_grad_(), flow.clone().requires_grad_()
        (fn(*leaves) * weights).sum().backward()
        grads.append([leaf.grad for leaf in leaves])
    assert torch.allclose(grads[0][0], grads[1][0], atol=1e-10)
    assert torch.allclose(grads[0][1], grads[1][1], atol=1e-10)


def test_gradcheck_at_fractional_flows():
    generator = torch.Generator().manual_seed(2)
    image = torch.randn(2, 2, 4, 5, generator=generator, dtype=torch.float64)
    flow = _fractional_flow(2, 2, 4, 5, generator=generator)
    assert torch.autograd.gradcheck(warp, (image.requires_grad_(), flow.requires_grad_()))
    flows = _fractional_flow(2, 3, 2, 4, 5, generator=generator).requires_grad_()
    assert torch.autograd.gradcheck(multi_warp, (image, flows))


@pytest.mark.parametrize("needs_image", [True, False])
def test_gradient_to_one_input_only(needs_image):
    generator = torch.Generator().manual_seed(3)
    image = torch.randn(1, 2, 4, 4, generator=generator, dtype=torch.float64)
    flow = _fractional_flow(1, 2, 4, 4, generator=generator)
    grads = []
    for fn in (warp, _grid_sample_warp):
        leaf_image = image.clone().requires_grad_(needs_image)
        leaf_flow = flow.clone().requires_grad_(not needs_image)
        fn(leaf_image, leaf_flow).square().sum().backward()
        grads.append((leaf_image.grad, leaf_flow.grad))
    needed, unneeded = (0, 1) if needs_image else (1, 0)
    assert grads[0][unneeded] is None
    assert torch.allclose(grads[0][needed], grads[1][needed], atol=1e-10)


def test_multi_warp_equals_one_warp_per_flow():
    generator = torch.Generator().manual_seed(4)
    image = torch.randn(2, 3, 7, 6, generator=generator)
    flows = 4 * torch.rand(2, 5, 2, 7, 6, generator=generator) - 2
    out = multi_warp(image, flows)
    assert out.shape == (2, 5, 3, 7, 6) and out.transpose(1, 2).is_contiguous()
    for k in range(5):
        assert torch.equal(out[:, k], warp(image, flows[:, k]))


def test_autograd_keeps_only_image_and_flow():
    image = torch.randn(2, 16, 12, 10, requires_grad=True).clone()
    flow = torch.randn(2, 2, 12, 10, requires_grad=True).clone()
    _, nbytes = saved_tensor_bytes(lambda: warp(image, flow))
    assert nbytes == image.nbytes + flow.nbytes
    flows = torch.randn(2, 8, 2, 12, 10, requires_grad=True).clone()
    _, nbytes = saved_tensor_bytes(lambda: multi_warp(image, flows))
    assert nbytes == image.nbytes + flows.nbytes  # the image is not copied per flow field


def test_low_precision_flow_keeps_the_image_dtype():
    image = torch.randn(1, 2, 5, 5, requires_grad=True)
    flow = (torch.rand(1, 2, 5, 5) - 0.5).half().requires_grad_()
    out = warp(image, flow)
    out.sum().backward()
    assert out.dtype == torch.float32 and flow.grad.dtype == torch.float16
    assert torch.allclose(out, _grid_sample_warp(image, flow.float()), atol=1e-5)


def test_bfloat16_image_is_sampled_in_single_precision():
    image = torch.randn(2, 3, 5, 6).bfloat16().requires_grad_()
    flows = 4 * torch.rand(2, 3, 2, 5, 6) - 2
    out = multi_warp(image, flows)
    out.float().sum().backward()
    assert out.dtype == torch.bfloat16 and image.grad.dtype == torch.bfloat16
    # rounded to bfloat16 once, at the end
    assert torch.equal(out, multi_warp(image.detach().float(), flows).bfloat16())


def test_non_finite_flow_stays_local():
    image = torch.randn(1, 2, 4, 4)
    flow = torch.zeros(1, 2, 4, 4)
    flow[0, 0, 1, 2] = float("nan")
    flow[0, 1, 3, 3] = 1e30
    out = warp(image, flow)
    assert out[0, :, 1, 2].isnan().all() and torch.equal(out[0, :, 3, 3], torch.zeros(2))
    keep = torch.ones(4, 4, dtype=torch.bool)
    keep[1, 2] = keep[3, 3] = False
    assert torch.equal(out[..., keep], image[..., keep])


def test_rejects_bad_inputs():
    image = torch.randn(2, 3, 5, 6)
    with pytest.raises(ValueError, match=r"flow must have shape \(B, 2, H, W\)"):
        warp(image, torch.zeros(2, 2, 6, 5))
    with pytest.raises(ValueError, match="image must be"):
        warp(image[0], torch.zeros(2, 2, 5, 6))
    with pytest.raises(TypeError, match="image must be a floating-point"):
        warp(image.long(), torch.zeros(2, 2, 5, 6))
    with pytest.raises(TypeError, match="flow must be a floating-point"):
        warp(image, torch.zeros(2, 2, 5, 6, dtype=torch.long))
    with pytest.raises(ValueError, match=r"flows must have shape \(B, K, 2, H, W\)"):
        multi_warp(image, torch.zeros(2, 2, 5, 6))
