"""Writes test/fixtures/lstm_encoder.safetensors: a PEFT p-tuning LSTM prompt encoder's parameters,
its output (prompt_embeddings) and the gradients of sum(output * probe), made with Python PEFT + torch.

Run from packages/p-tuning: python3 tools/make-lstm-reference.py
"""
import torch
from peft import PromptEncoderConfig
from peft.tuners.p_tuning.model import PromptEncoder
from safetensors.torch import save_file

torch.manual_seed(0)
config = PromptEncoderConfig(
    task_type="CAUSAL_LM", num_virtual_tokens=4, token_dim=8, num_transformer_submodules=1,
    num_attention_heads=2, num_layers=2, encoder_reparameterization_type="LSTM",
    encoder_hidden_size=6, encoder_num_layers=2, encoder_dropout=0.0,
)
encoder = PromptEncoder(config).double()
out = encoder(torch.arange(4).unsqueeze(0))[0]
probe = torch.randn(out.shape, dtype=torch.float64)
(out * probe).sum().backward()
tensors = {f"param.{k}": v.detach().float().contiguous() for k, v in encoder.named_parameters()}
tensors.update({f"grad.{k}": v.grad.float().contiguous() for k, v in encoder.named_parameters()})
tensors["output"] = out.detach().float()
tensors["probe"] = probe.float()
save_file(tensors, "test/fixtures/lstm_encoder.safetensors", metadata={"format": "pt"})
print({k: list(v.shape) for k, v in tensors.items()})
