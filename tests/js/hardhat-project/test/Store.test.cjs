// `npx hardhat test --network cmt` (tests/js/hardhat.mjs runs it): the usual shape of a Hardhat
// project's tests, mocha + hardhat-ethers, run against a cmt-chain node instead of the in-process
// Hardhat Network. Plain node:assert: the project installs no chai.
"use strict";

const assert = require("node:assert/strict");
const { ethers, network } = require("hardhat");
const { errorText } = require("../support.cjs");

describe("Store on cmt-chain", function () {
  let store;
  let owner;

  before(async function () {
    assert.equal(network.name, "cmt", "run with --network cmt");
    [owner] = await ethers.getSigners();
    store = await ethers.deployContract("Store", [1]);
    await store.waitForDeployment();
  });

  it("talks to chain 1234", async function () {
    assert.equal((await ethers.provider.getNetwork()).chainId, 1234n);
  });

  it("deploys with the initial value", async function () {
    assert.equal(await store.value(), 1n);
  });

  it("stores a value and emits ValueChanged", async function () {
    const receipt = await (await store.set(99)).wait();
    assert.equal(receipt.status, 1);
    assert.equal(await store.value(), 99n);
    const [event] = receipt.logs;
    assert.equal(event.eventName, "ValueChanged");
    assert.deepEqual([...event.args], [owner.address, 1n, 99n]);
    const found = await store.queryFilter(store.filters.ValueChanged(owner.address, 1n), receipt.blockNumber);
    assert.equal(found.length, 1);
    assert.equal(found[0].transactionHash, receipt.hash);
  });

  it("rejects 13 with the require reason", async function () {
    await assert.rejects(store.set(13), (error) => errorText(error).includes("Store: 13 is unlucky"));
    assert.equal(await store.value(), 99n);
  });
});
